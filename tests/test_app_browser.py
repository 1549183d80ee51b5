"""The app in a real browser (Playwright driving Debian's chromium) over a copy of the sample library.

Screenshots go to tests/screens/ (git-ignored) so a failure can be looked at.
"""
from __future__ import annotations

import os
from pathlib import Path

import pytest

from bench.browser import CHROMIUM, VIEWPORT, launch_chromium

pytestmark = pytest.mark.slow
SCREENS = Path(__file__).resolve().parent / "screens"
EVIL_TITLE = "<img src=x onerror=alert(1)>黑石镇扫黑除恶工作报告"
EVIL = f"""{EVIL_TITLE}<script>alert(2)</script>
一、工作进展及成效
一是强化组织领导<img src=x onerror=alert(3)>。黑石镇投入专项经费8万元<script>alert(4)</script>，成立工作专班。
二是加强宣传<a href="javascript:alert(5)">点我</a>，印发宣传册3000份。
二、存在的问题
一是黑石镇宣传<b onmouseover=alert(6)>不够</b>深入，群众知晓率不高。
"""


@pytest.fixture
def page():
    if not CHROMIUM.is_file():
        if os.environ.get("CI"):
            pytest.fail(f"{CHROMIUM} missing under CI: `make test` installs it (apt-get install chromium)")
        pytest.skip(f"{CHROMIUM} not installed: `apt-get install -y chromium` to run the browser tests")
    from playwright.sync_api import sync_playwright

    SCREENS.mkdir(exist_ok=True)
    with sync_playwright() as p:
        browser = launch_chromium(p)
        page = browser.new_page(viewport=VIEWPORT, accept_downloads=True)
        page.set_default_timeout(60_000)
        dialogs: list[str] = []
        page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
        page.dialogs = dialogs
        yield page
        browser.close()


@pytest.fixture
def app_url(library_settings, serve_app):
    return serve_app(library_settings)[0]


def ask(page, question: str) -> None:
    page.fill("#question textarea", question)
    page.press("#question textarea", "Enter")


def upload(page, *files: Path) -> None:
    page.get_by_role("tab", name="资料库").click()
    page.locator("#uploads input[type=file]").set_input_files([str(f) for f in files])
    for f in files:  # gradio uploads on selection; the button must wait for it
        page.locator("#uploads").get_by_text(f.name).first.wait_for()
    page.click("#add")


def test_question_shows_evidence_and_a_citation(page, app_url):
    page.goto(app_url)
    ask(page, "县里为这项斗争专门投入了多少资金？")
    bot = page.locator("#chatbot .message.bot, #chatbot [data-testid=bot]").last
    bot.locator("sup", has_text="[1]").first.wait_for()
    assert "35万元" in bot.inner_text()
    page.locator("#sources mark", has_text="35万元").first.wait_for()
    assert "[1]" in page.locator("#sources").inner_text()
    page.screenshot(path=str(SCREENS / "chat.png"))


def test_uploaded_file_appears_in_the_list(page, app_url, tmp_path):
    from tests.test_app_library import report_file

    page.goto(app_url)
    upload(page, report_file(tmp_path, "青龙湾汇报.txt"))
    page.locator("#outcomes", has_text="已导入").wait_for()
    page.locator("#reports", has_text="青龙湾区2025年扫黑除恶工作情况汇报").wait_for()
    page.get_by_role("tab", name="状态").click()
    page.locator("#status", has_text="文档 3 个，报告 5 份").wait_for()
    page.get_by_role("tab", name="资料库").click()
    page.screenshot(path=str(SCREENS / "library.png"), full_page=True)


def test_a_hostile_report_renders_inert(page, app_url, tmp_path):
    evil = tmp_path / "evil.txt"
    evil.write_text(EVIL, encoding="utf-8")
    page.goto(app_url)
    upload(page, evil)
    page.locator("#outcomes", has_text="已导入").wait_for()
    page.locator("#reports", has_text="evil.txt").wait_for()
    page.get_by_role("tab", name="检索").click()
    page.fill("#query textarea", "黑石镇宣传不够深入")
    page.press("#query textarea", "Enter")
    page.locator("#results", has_text="<b onmouseover=alert(6)>不够</b>").wait_for()  # the markup, as text
    page.get_by_role("tab", name="问答").click()
    ask(page, "黑石镇投入了多少专项经费？")
    page.locator("#chatbot", has_text="8万元").last.wait_for()
    page.locator("#sources", has_text="<script>alert(4)</script>").wait_for()
    page.mouse.move(700, 300)
    for hover in page.locator("b", has_text="不够").all():  # an onmouseover that survived would fire here
        hover.hover()
    page.wait_for_timeout(500)
    page.screenshot(path=str(SCREENS / "xss.png"), full_page=True)
    assert page.dialogs == []
    assert page.locator("img[src='x']").count() == 0
    assert page.locator("a[href^='javascript']").count() == 0
    assert page.evaluate("[...document.querySelectorAll('*')].filter(e => [...e.attributes].some("
                         "a => a.name.startsWith('on'))).length") == 0
    assert not page.evaluate("[...document.scripts].some(s => s.textContent.includes('alert('))")


def test_draft_a_section_and_download_the_word_file(page, library_settings, serve_app, tmp_path):
    from docx import Document

    from tests.fakes import scripted

    bodies = [f"本局第{n}方面仍有短板，群众参与程度不高，需要持续改进。" for n in "一二三四五六七八九十"] * 2
    page.goto(serve_app(library_settings, llm=scripted(*bodies))[0])
    page.get_by_role("tab", name="起草").click()
    page.fill("#draft-unit textarea", "某县市场监督管理局")
    page.fill("#draft-topic textarea", "扫黑除恶")
    page.fill("#draft-facts textarea", "召开专题会议3次")
    page.click("#draft-go")
    box = page.locator("#draft-text textarea")
    page.wait_for_function("document.querySelector('#draft-text textarea').value.includes('本局第二方面')")
    page.locator("#draft-notes", has_text="待补充").or_(page.locator("#draft-notes", has_text="无待补充")).wait_for()
    page.locator("#draft-refs li").first.wait_for()
    assert box.input_value().startswith("二、存在的问题\n一是") and "召开专题会议3次" in box.input_value()
    box.fill(box.input_value().replace("本局第一方面仍有短板", "本局宣传短板明显"))  # a hand edit
    page.get_by_role("button", name="更正式").click()
    page.wait_for_function("document.querySelector('#draft-text textarea').value.includes('本局第七方面')")
    page.click("#draft-export")
    link = page.locator("#draft-file a").first
    link.wait_for()
    with page.expect_download() as download:
        link.click()
    path = tmp_path / "draft.docx"
    download.value.save_as(path)
    text = "\n".join(p.text for p in Document(str(path)).paragraphs)
    assert "某县市场监督管理局" in text and "二、存在的问题" in text and "本局第七方面" in text
    page.screenshot(path=str(SCREENS / "draft.png"), full_page=True)
