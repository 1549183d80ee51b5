"""Chinese numerals: the genre's numbering (一、 （二） 三是) and figures written in words (两百余人, 百分之五点五).

Reading and writing them is ``cn2an``'s job; this module only says which characters are numerals.
"""
from __future__ import annotations

from functools import lru_cache

CN_NUM = "一二三四五六七八九十"  # the numerals of headings and enumerations (一、 （十二） 三是)
CN_FIGURE = "零〇一二两三四五六七八九十百千"  # the numerals of a figure written in words (before 万/亿)


@lru_cache(maxsize=4096)
def cn_value(numeral: str) -> float | None:
    """The value of a numeral (十二 → 12, 两百 → 200, 千 → 1000, 五点五 → 5.5, "12" → 12); None when it is not one (十十)."""
    if numeral.isdigit():
        return int(numeral)
    import cn2an

    if numeral[:1] in ("百", "千"):  # 百日, 千余家, 千亿元: one hundred, one thousand (cn2an wants the 一)
        numeral = "一" + numeral

    try:
        return cn2an.cn2an(numeral, "smart")
    except (ValueError, KeyError, IndexError, TypeError):
        return None


def cn_numeral(value: int) -> str:
    """``value`` as the genre writes it in a heading or enumeration (1 → 一, 12 → 十二, 21 → 二十一)."""
    import cn2an

    return cn2an.an2cn(value)
