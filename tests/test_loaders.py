"""Bad and odd input: encodings, empty, binary, corrupt docx/pdf, docx tables in order, html."""
from __future__ import annotations

import pytest

from ingest.clean import clean_text, has_placeholder
from ingest.loaders import LoadError, load_document

SAMPLE = "某县扫黑除恶工作汇报\n一、工作进展及成效\n一是强化组织领导。累计受理线索**条，打掉恶势力犯罪集团4个。\n"


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gbk", "gb18030"])
def test_text_encodings_are_detected(tmp_path, encoding):
    path = tmp_path / f"report-{encoding}.txt"
    path.write_bytes(SAMPLE.encode(encoding))
    assert load_document(path).lstrip("\ufeff") == SAMPLE


def test_gb18030_only_characters(tmp_path):
    text = SAMPLE + "㐀䶵 一些扩展汉字" * 3
    path = tmp_path / "ext.txt"
    path.write_bytes(text.encode("gb18030"))
    assert load_document(path) == text


@pytest.mark.parametrize("name,content,reason", [
    ("empty.txt", b"", "为空"),
    ("blank.md", b"  \n\n ", "为空"),
    ("binary.txt", bytes(range(256)) * 8, "二进制"),
    ("corrupt.docx", b"PK\x03\x04 not really a zip", "损坏"),
    ("corrupt.pdf", b"%PDF-1.7\n garbage without objects", "损坏"),
    ("sheet.xlsx", b"whatever", "不支持"),
])
def test_bad_files_raise_clear_errors(tmp_path, name, content, reason):
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(LoadError, match=reason):
        load_document(path)


def test_docx_paragraphs_and_tables_in_order(tmp_path):
    from docx import Document

    doc = Document()
    doc.add_paragraph("一、基本情况")
    table = doc.add_table(rows=2, cols=2)
    table.cell(0, 0).text, table.cell(0, 1).text = "指标", "数量"
    table.cell(1, 0).text, table.cell(1, 1).text = "打掉团伙", "4个"
    doc.add_paragraph("二、存在问题")
    path = tmp_path / "r.docx"
    doc.save(path)
    lines = load_document(path).splitlines()
    assert lines == ["一、基本情况", "指标\t数量", "打掉团伙\t4个", "二、存在问题"]


def test_html_text_without_scripts(tmp_path):
    path = tmp_path / "r.html"
    path.write_text("<html><head><script>alert(1)</script><style>p{}</style></head>"
                    "<body><h1>一、基本情况</h1><p>打掉4个团伙。</p></body></html>", encoding="utf-8")
    text = load_document(path)
    assert "一、基本情况" in text and "打掉4个团伙" in text and "alert" not in text


def test_clean_strips_noise_keeps_masks():
    raw = "　　> 一是宣传。发动群众检举揭发，文章系壹号秘书微信公众号原创发布，侵权必究。有效提高了知晓率，受理xx条。\r\n\r\n"
    cleaned = clean_text(raw)
    assert cleaned == "一是宣传。发动群众检举揭发，有效提高了知晓率，受理xx条。"
    assert has_placeholder(cleaned) and has_placeholder("印发**县细则") and not has_placeholder("Excel 表格 max")
