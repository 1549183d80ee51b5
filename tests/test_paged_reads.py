"""Whole-library reads a page at a time (``store.read_page``): themes, the names a draft must not borrow and the
reviewer give the same results from pages of 7 rows as from one read, and no Chroma ``get`` returns more than a
page.  Real Chroma in a temp dir, real jieba, the hash embedder."""
from __future__ import annotations

import json

import pytest
from chromadb.api.models.Collection import Collection

import vectorstore.index as index_module
from assistant.draft.chain import DraftChain, DraftRequest
from assistant.review import Reviewer
from assistant.service import make_store
from assistant.themes import build_themes
from ingest.pipeline import ingest_paths
from vectorstore.chroma import make_client, read_all
from vectorstore.index import POINTS_MARK
from vectorstore.manifest import ChromaManifest

PAGE = 7
DRAFT = ("某县扫黑除恶工作情况汇报\n一、工作进展\n延安市公安局打掉恶势力犯罪集团3个，吴起县破获案件12起。\n"
         "二、存在问题\n宣传发动不够深入，线索摸排不到位。\n三、下步打算\n加强宣传，强化线索核查。")


@pytest.fixture(scope="module")
def library(settings_factory, embeddings, samples_dir, tmp_path_factory):
    """The samples ingested once; then one document's points dropped (an index from before points were kept), so
    its points are parsed from its chunks, which are read by a filter naming documents."""
    path = tmp_path_factory.mktemp("paged")
    index = make_store(settings_factory(path), embeddings)
    ingest_paths([samples_dir], index)
    legacy = sorted(index.documents)[0]
    index.store.points.delete(where={"doc_id": legacy})
    assert not index.store.has_points([f"{legacy}{POINTS_MARK}"])
    return path


@pytest.fixture
def gets(monkeypatch):
    """Rows returned by every Chroma ``get`` made while the test runs."""
    sizes: list[int] = []
    original = Collection.get

    def spy(self, *args, **kwargs):
        got = original(self, *args, **kwargs)
        sizes.append(len(got["ids"]))
        return got

    monkeypatch.setattr(Collection, "get", spy)
    return sizes


def _open(settings_factory, embeddings, path, page: int):
    return make_store(settings_factory(path, read_page=page), embeddings)


def test_the_library_is_larger_than_a_page(settings_factory, embeddings, library):
    index = _open(settings_factory, embeddings, library, 10**6)
    assert index.count() > 5 * PAGE
    assert len(index.points("problems")) > 2 * PAGE


@pytest.mark.parametrize("section", ["problems", "plans", "progress"])
def test_themes_from_pages_equal_themes_from_one_read(settings_factory, embeddings, library, gets, section):
    whole = build_themes(_open(settings_factory, embeddings, library, 10**6), section)
    assert max(gets) > PAGE  # one read held more than a page
    gets.clear()
    paged = build_themes(_open(settings_factory, embeddings, library, PAGE), section)
    assert paged == whole and whole.themes
    assert max(gets) <= PAGE and len(gets) > 3


def test_a_documents_filter_is_split_and_gives_the_same_rows(settings_factory, embeddings, library, monkeypatch):
    index = _open(settings_factory, embeddings, library, PAGE)
    docs = sorted(index.documents)
    whole = (index.chunks("problems", docs), index.points("plans", docs))
    monkeypatch.setattr(index_module, "IN_BATCH", 1)  # one document named per filter
    assert (index.chunks("problems", docs), index.points("plans", docs)) == whole
    assert whole[0] and whole[1] and {m["doc_id"] for _, _, m in whole[0]} <= set(docs)


def test_a_drafts_foreign_names_from_pages_equal_those_from_one_read(settings_factory, embeddings, library, gets):
    request = DraftRequest(unit="某县市场监督管理局", topic="扫黑除恶", section="problems")

    def guard(page):
        return DraftChain(_open(settings_factory, embeddings, library, page), embeddings)._guard(request)

    whole = guard(10**6)
    gets.clear()
    paged = guard(PAGE)
    assert paged.places == whole.places and {"延安", "吴起"} <= whole.places
    assert max(gets) <= PAGE


def test_a_review_from_pages_equals_one_from_one_read(settings_factory, embeddings, library, gets):
    def review(page):
        index = _open(settings_factory, embeddings, library, page)
        # the themes built over this index, not read back from the file another reviewer left
        reviewer = Reviewer(index, themes=lambda s: build_themes(index, s).themes)
        found = reviewer.review(DRAFT, "某县").to_dict()
        found.pop("timings")
        return reviewer._reports(), found

    whole_reports, whole = review(10**6)
    gets.clear()
    paged_reports, paged = review(PAGE)
    assert paged_reports == whole_reports and len(whole_reports) >= 3
    assert paged == whole and whole["findings"]
    assert max(gets) <= PAGE


def test_the_server_manifest_is_read_a_page_at_a_time(tmp_path, gets):
    manifest = ChromaManifest(make_client("embedded", tmp_path), "t", page=3)
    documents = {f"d{i:02d}": {"name": f"{i}.txt", "chunks": i} for i in range(11)}
    for doc_id in documents:
        manifest.begin(doc_id)
        manifest.put(documents, doc_id)
    manifest.begin("d99")  # one still being written
    gets.clear()
    assert manifest.load() == documents
    assert manifest.in_progress() == {"d99"}
    assert max(gets) <= 3


def test_read_all_by_ids_keeps_every_field(settings_factory, embeddings, library):
    index = _open(settings_factory, embeddings, library, PAGE)
    ids = sorted(index.store.collection.get(include=[])["ids"])[:20]
    paged = read_all(index.store.collection, ["documents", "metadatas"], ids=ids, page=PAGE)
    whole = index.store.collection.get(ids=ids, include=["documents", "metadatas"])
    assert sorted(paged["ids"]) == sorted(whole["ids"]) == ids
    def rows(got):
        return sorted(zip(got["ids"], got["documents"], got["metadatas"]), key=lambda r: r[0])

    assert rows(paged) == rows(whole)


def test_names_are_computed_once_per_document_and_kept(settings_factory, embeddings, samples_dir, tmp_path,
                                                     monkeypatch):
    """The library's names are kept per document (places.json): a second read computes none, a new document's
    are the only ones computed, a removed document's are dropped, and the names equal those computed afresh."""
    import assistant.places as places_module
    from assistant.names import place_names

    index = make_store(settings_factory(tmp_path / "index"), embeddings)
    ingest_paths([samples_dir / "000_53cd0e863fe8c391.txt"], index)
    computed: list[str] = []

    def counting(text):
        computed.append(text)
        return place_names(text)

    monkeypatch.setattr(places_module, "place_names", counting)
    first = places_module.library_places(index)
    n_first = len(computed)
    assert n_first >= 1  # each report of the first document
    assert places_module.library_places(index) == first and len(computed) == n_first  # kept: nothing computed
    ingest_paths([samples_dir / "004_f04676420557bcf4.txt"], index)
    both = places_module.library_places(index)
    reports = {(m["doc_id"], m.get("report_title", "")) for _, _, m in index.chunks()}
    assert len(computed) == len(reports) > n_first  # each report computed once: the first document's not again
    fresh = set().union(*(place_names("\n".join(t)) for t in places_module.report_texts(index.chunks()).values()))
    assert both == fresh and first <= both and {"延安", "吴起"} <= both
    kept = json.loads((index.path / places_module.FILE).read_text(encoding="utf-8"))
    assert set(kept) == set(index.documents)
    gone = sorted(index.documents)[0]
    with index.lock():
        index.remove_document(gone)
    places_module.library_places(index)
    assert set(json.loads((index.path / places_module.FILE).read_text(encoding="utf-8"))) == set(index.documents)
