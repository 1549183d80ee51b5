"""Names that must not travel from one unit's report into another unit's draft.

A draft for "某县市场监督管理局" written from a county police report must not say 延安, 吴起, 涪江 or 民警: the
officer would send out a report that names someone else's county and someone else's people.  Two kinds of names:

* **places and people** read from the reference reports themselves: a jieba word directly followed by an
  administrative or locating word (延安|市, 吴起|县, 沿|涪江|一带, 南路|片区, 高雷雷|等人) or a word that ends in one
  (甘泉县).  Words such as 全市, 各县区 or 辖区 name no particular place and are passed over.
* **bodies**: the kinds of unit a campaign report names (公安 with its 民警 and 派出所, 市场监管 with its 监管所, 检察,
  法院, 人大 …).  A body word is foreign unless it belongs to the family of the unit writing.

Reference clauses that hold such a name are not shown to the model, and whatever the model writes is checked
again (:meth:`NameGuard.find_leaks`).
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from ingest.text.lexicons import words as lexicon_words
from ingest.text.tokens import quiet_jieba

# Body families: every word that names the body or its people.  Longest words first where one contains another.
BODY_FAMILIES: dict[str, tuple[str, ...]] = {
    "公安": ("公安局", "公安分局", "公安机关", "公安厅", "派出所", "刑警大队", "民警", "辅警", "刑警", "警力", "公安"),
    "市场监管": ("市场监督管理局", "市场监管局", "市场监管部门", "市场监管所", "市场监管系统", "监管所", "市场监管"),
    "检察": ("检察院", "检察机关", "检察官"),
    "法院": ("人民法院", "法院", "审判机关", "法官"),
    "人大": ("人大常委会", "人大代表", "人大"),
    "司法": ("司法局", "司法所"),
    "纪委": ("纪委监委", "纪检监察机关", "纪委"),
    "财政": ("财政局",),
}
_PLACE_SUFFIX = ("市", "县", "区", "镇", "乡", "村", "片区", "一带", "日报", "电视台", "时期", "街道")
_PERSON_NEXT = ("等人", "为组长", "同志", "副主任", "主任", "书记")
_PROPER = {"ns", "nr", "nrt", "nrfg", "nz", "nt"}
_HAN = re.compile(r"^[\u4e00-\u9fff]+$")


def family_of(unit: str) -> str | None:
    """The body family the writing unit belongs to ("某县市场监督管理局" → 市场监管), or None for a government."""
    for family, words in BODY_FAMILIES.items():
        if any(word in unit for word in words):
            return family
    return None


def place_names(text: str) -> set[str]:
    """Places and people a text names: 延安, 吴起, 涪江, 南路, 高雷雷 (see the module docstring).

    Only proper nouns count (jieba's part-of-speech tags): "指导|县区" is a verb and "办公|区" a common noun before a
    generic word."""
    quiet_jieba()
    import jieba.posseg

    words = [(w.word, w.flag) for w in jieba.posseg.cut(text) if w.word.strip()]
    found: set[str] = set()
    for i, (word, flag) in enumerate(words):
        if not (_HAN.match(word) and flag in _PROPER):
            continue
        following = [w for w, _ in words[i + 1:i + 3]]
        after = "".join(following)
        base = None
        if 2 <= len(word) <= 3 and following and (following[0] in _PLACE_SUFFIX
                                                  or any(after.startswith(s) for s in _PERSON_NEXT)):
            base = word
        elif 3 <= len(word) <= 4 and word[-1] in "市县区镇乡":
            base = word[:-1]
        if (base and base[0] not in lexicon_words("units", "generic_place_heads")  # 全县, 社区: generic, not named
                and base not in lexicon_words("units", "generic_places") and not family_of(base)):
            found.add(base)
    return found


@dataclass
class NameGuard:
    """The foreign names of one drafting job: places/people of the references and bodies of other families."""

    unit: str
    own_text: str = ""  # the unit, topic and facts: names the user wrote are theirs
    places: set[str] = field(default_factory=set)

    @classmethod
    def from_references(cls, unit: str, references: list[str], own_text: str = "") -> NameGuard:
        own = f"{unit}\n{own_text}"
        places = set().union(*(place_names(t) for t in references)) if references else set()
        return cls(unit, own, {p for p in places if p not in own})

    @property
    def bodies(self) -> list[str]:
        own = family_of(self.unit)
        words = [w for family, ws in BODY_FAMILIES.items() if family != own for w in ws]
        return sorted({w for w in words if w not in self.own_text}, key=len, reverse=True)

    def find_leaks(self, text: str) -> list[str]:
        """Foreign names in ``text``, longest first, each once (a body word inside a longer one counts once)."""
        found: list[str] = []
        for name in sorted(self.places, key=len, reverse=True) + self.bodies:
            if name in text and not any(name in longer for longer in found):
                found.append(name)
        return found
