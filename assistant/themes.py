"""Points and themes: the enumerated items of typed sections, grouped across reports.

A **point** is one item of a problems / plans / progress section — its lead phrase ("宣传发动不够深入") and its text —
with the report, issuing body, section path and chunk it comes from.  Ingest finds them (ingest/points.py) and the
index serves them (``ReportIndex.points``).

A **theme** is a group of similar points across reports.  Two points are alike by what they say (e5 of each point's
"lead。text" in a section of at most ``themes.embed_max_points`` points, else its vector made at import from the
sentence vectors of its text: ingest.points.point_vector) and by what their leads name (TF-IDF of the leads' jieba
words, without the genre's how-words such as 加强/不够/有待): the cosine distance of the two halves side by side is the mean of both.  scikit-learn's
agglomerative clustering (average linkage) cuts the tree at ``THRESHOLD``; a section of more points than the
``themes.max_cluster_points`` setting is clustered that many at a time, the most recent reports' first, the other
points joining the nearest theme (:func:`_cluster_bounded`).  A theme is labelled by the word (or two
adjacent words) most of its leads name, and knows the distinct reports (doc_id + report_index) that raise it.
"""
from __future__ import annotations

import csv
import re
from collections import Counter
from dataclasses import asdict, dataclass
from itertools import pairwise
from pathlib import Path
from typing import Literal

from ingest.points import Point
from ingest.sections import Section
from ingest.structure import lead_of
from ingest.text.lexicons import words as lexicon_words
from ingest.text.tokens import quiet_jieba

from .settings import ThemesSettings

# Cosine distance (average linkage) at which groups stop merging.  Dendrograms of the sample sections: the 线索摸排
# problems merge by 0.56 and the 宣传 ones by 0.73, the first merge of unrelated items comes at 0.86 (plans: 督导问责
# + 舆情处置; progress: 经费 + 大要案件), unrelated problems only from 0.92.  0.85 sits below that first mistake.
THRESHOLD = 0.85
# With a topic no point names, the points this close (cosine) to the best match are on the topic.
TOPIC_MARGIN = 0.01
_HAN = re.compile(r"^[\u4e00-\u9fff]+$")


@dataclass(frozen=True, slots=True)
class Theme:
    """Similar points of several reports (or one), labelled by what most of their leads name."""

    label: str
    reports: int  # distinct reports raising it
    points: tuple[Point, ...]

    def to_dict(self) -> dict:
        return {"label": self.label, "reports": self.reports, "points": [p.record() for p in self.points]}

    def stored(self) -> dict:
        """Everything of the theme, points whole, as kept on disk (:meth:`from_stored` reads it back)."""
        return {"label": self.label, "reports": self.reports, "points": [asdict(p) for p in self.points]}

    @classmethod
    def from_stored(cls, record: dict) -> "Theme":
        return cls(record["label"], int(record["reports"]), tuple(Point(**p) for p in record["points"]))


@dataclass(frozen=True, slots=True)
class Themes:
    """The themes of one section type, most-raised first (``to_dict``: the CLI's ``themes --json``)."""

    section: Literal["problems", "plans", "progress"]
    themes: tuple[Theme, ...]

    def to_dict(self) -> dict:
        return {"section": self.section, "themes": [t.to_dict() for t in self.themes]}


def extract_points(index, section: str) -> list[Point]:
    """Every point of ``section`` (problems | plans | progress) in the completed documents, in reading order: the
    points ingest found and the index keeps (ingest/points.py)."""
    return index.points(section)


# --- themes ---------------------------------------------------------------------------------------------------
def _words(text: str) -> list[str]:
    """Meaningful jieba words of a lead, each four-character compound also as its two halves (联动机制 → 联动, 机制)."""
    out = []
    for word in quiet_jieba().lcut(text):
        for part in ([word, word[:2], word[2:]] if len(word) == 4 else [word]):
            if len(part) >= 2 and part not in lexicon_words("themes", "how_words") and _HAN.match(part):
                out.append(part)
    return out


def _vectors(index, section: str, points: list[Point], embed: bool = False):
    """One unit vector per point.  ``embed``: e5 of "lead。text", made now (a small section: the lead weighs as much
    as the text, which keeps themes apart that share words of their texts); else the one the index keeps (made at
    import from the sentence vectors its text covers, or from the stored sentence vectors for libraries imported
    before), and only a point no stored sentence covers is embedded now."""
    import numpy as np

    if embed:
        return np.asarray(index.embeddings.embed_documents([f"{p.lead}。{p.text}" for p in points]), dtype=float)
    known = index.point_vectors(section, points)
    missing = [i for i, v in enumerate(known) if v is None]
    if missing:
        for i, v in zip(missing, index.embeddings.embed_documents([f"{points[i].lead}。{points[i].text}"
                                                                    for i in missing])):
            known[i] = v
    return np.asarray(known, dtype=float)


def _features(vectors, points: list[Point], sparse: bool = False):
    """One row per point: its e5 vector centred on the section's mean and re-normalised (vectors of one genre share
    a large common direction: raw cosine distances between these points all fall within 0.04–0.10), beside the
    TF-IDF of its lead's words; each half has unit norm, so the cosine of two rows is the mean of the halves'.
    ``sparse``: a scipy CSR matrix (the TF-IDF half stays sparse: a large section's vocabulary × points as a dense
    array would not fit in memory)."""
    import numpy as np
    from scipy import sparse as sp
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.preprocessing import normalize

    centred = normalize(vectors - vectors.mean(axis=0))
    try:
        words = TfidfVectorizer(tokenizer=_words, lowercase=False, token_pattern=None, sublinear_tf=True)
        leads = words.fit_transform([p.lead for p in points])
    except ValueError:  # no meaningful word in any lead
        leads = sp.csr_matrix((len(points), 1))
    if sparse:
        return sp.hstack([sp.csr_matrix(centred), leads], format="csr") / np.sqrt(2)
    return np.hstack([centred, leads.toarray()]) / np.sqrt(2)


def _cluster(features, threshold: float) -> list[int]:
    """Agglomerative clustering, average linkage, on cosine distances (computed by scikit-learn, which also copes
    with an all-zero row: a point identical to the section's mean with no meaningful lead word)."""
    from sklearn.cluster import AgglomerativeClustering
    from sklearn.metrics.pairwise import cosine_distances

    if features.shape[0] < 2:
        return [0] * features.shape[0]
    model = AgglomerativeClustering(n_clusters=None, metric="precomputed", linkage="average",
                                    distance_threshold=threshold)
    return list(model.fit_predict(cosine_distances(features)))


def _cluster_bounded(features, threshold: float, order: list[int], limit: int, dimension: int,
                     block: int = 4096) -> list[int]:
    """:func:`_cluster` for a section larger than ``limit`` points (``features``: sparse rows), in rounds: the first
    ``limit`` points of ``order`` not yet placed are clustered as :func:`_cluster` does, then every unplaced point
    joins the cluster whose average cosine distance to it (what average linkage would merge it at) is smallest, if
    below ``threshold``; the rest go to the next round.  Memory: ``limit``² distances, a block of points × clusters
    similarities — never the points² matrix (51,196 points: ~21 GB).  ``dimension``: the e5 half's width."""
    import numpy as np
    from scipy import sparse as sp
    from sklearn.preprocessing import normalize

    unit = normalize(features)  # cosine = dot product of unit rows (an all-zero row stays zero: distance 1)
    dense, words = unit[:, :dimension].toarray(), unit[:, dimension:].tocsr()  # the e5 half, the TF-IDF half
    labels = np.full(features.shape[0], -1)
    rank = np.empty(len(order), dtype=int)
    rank[np.asarray(order)] = np.arange(len(order))
    next_label = 0
    while (left := np.flatnonzero(labels < 0)).size:
        sample = left[np.argsort(rank[left], kind="stable")][:limit]
        local = np.asarray(_cluster(unit[sample], threshold))
        labels[sample] = local + next_label
        k = int(local.max()) + 1
        members = sp.csr_matrix((1.0 / np.bincount(local)[local], (local, np.arange(len(sample)))),
                                shape=(k, len(sample)))
        # mean member per cluster (x·mean = the average similarity), its dense half apart: a BLAS product
        dense_c, words_c = members @ dense[sample], (members @ words[sample]).T.tocsc()
        rest = np.flatnonzero(labels < 0)
        for b in range(0, rest.size, block):
            rows = rest[b:b + block]
            sims = dense[rows] @ dense_c.T + (words[rows] @ words_c).toarray()
            best = sims.argmax(axis=1)
            near = 1.0 - sims[np.arange(rows.size), best] < threshold
            labels[rows[near]] = best[near] + next_label
        next_label += k
    return labels.tolist()


def _candidates(lead: str) -> set[str]:
    """What a lead may be labelled by: its meaningful words and pairs of adjacent ones up to four characters."""
    tokens = quiet_jieba().lcut(lead)
    found = set(_words(lead))
    return found | {a + b for a, b in pairwise(tokens) if a in found and b in found and len(a + b) <= 4}


def label_of(leads: list[str], common: set[str] = frozenset()) -> str:
    """The words most of the theme's leads name: a word or two adjacent words (线索摸排), up to four characters,
    counted once per lead; ties go to the longer, then the earlier.  ``common`` words (those in most of the
    section's points: 扫黑除恶, 专项斗争) name the campaign, not a theme, and are passed over."""
    counts: Counter = Counter()
    first: dict[str, int] = {}
    for lead in leads:
        found = _candidates(lead) - common
        counts.update(found)
        for word in sorted(found, key=lead.find):
            first.setdefault(word, len(first))
    if not counts:
        return lead_of(leads[0], limit=8) if leads else ""
    return max(counts, key=lambda w: (counts[w], len(w), -first[w]))


def _names(text: str, word: str) -> bool:
    return word in text or (len(word) == 4 and word[:2] in text and word[2:] in text)


def _on_topic(index, points: list[Point], topic: str, vectors=None) -> list[bool]:
    """Which points are on ``topic``, nearest evidence first: the points whose lead names every meaningful word of
    the topic (a four-character word also by its two halves: 经费保障 ↔ "增加经费，加强保障力"); else those whose
    text does; else, by meaning, the points whose lead's e5 similarity to the topic is within ``TOPIC_MARGIN`` of the
    best one's (similarities within one genre are compressed into a narrow band: only a relative cut means anything).
    The leads are embedded then, and only then: short, and a topic no point's text names is rare in a large library
    (a point's stored vector, the mean of its sentences', blurs the lead a topic is matched against).  ``vectors``:
    the points' e5 vectors of "lead。text" where the section was embedded, used instead."""
    import numpy as np

    how = lexicon_words("themes", "how_words")
    words = [w for w in quiet_jieba().lcut(topic) if len(w) >= 2 and w not in how and _HAN.match(w)]
    words = words or [topic.strip()]
    for field_of in (lambda p: p.lead, lambda p: p.text):
        named = [all(_names(field_of(p), w) for w in words) for p in points]
        if any(named):
            return named
    leads = vectors if vectors is not None else np.asarray(
        index.embeddings.embed_documents([p.lead or p.text for p in points]))
    sims = leads @ np.asarray(index.embeddings.embed_query(topic))  # unit vectors: cosine similarities
    return list(sims >= sims.max() - TOPIC_MARGIN)


def _recent_first(index, points: list[Point]) -> list[int]:
    """Point positions, the most recent reports' first (by report year; reading order within a year): what a
    bounded clustering samples first."""
    def year(p: Point) -> int:
        reports = index.documents.get(p.doc_id, {}).get("reports", [])
        return int(reports[p.report_index].get("year") or 0) if p.report_index < len(reports) else 0

    years = [year(p) for p in points]
    return sorted(range(len(points)), key=lambda i: -years[i])


def build_themes(index, section: str, topic: str | None = None, threshold: float = THRESHOLD,
                 settings: ThemesSettings | None = None) -> Themes:
    """Themes of ``section`` across the reports, most-raised first.

    Points are clustered over the whole section (so a topic only selects, it never reshapes the themes); with
    ``topic``, each theme keeps its points on the topic and themes left empty are dropped.  A section of more than
    ``settings.max_cluster_points`` points is clustered in bounded rounds (:func:`_cluster_bounded`), the most
    recent reports' points first.
    """
    options = settings or ThemesSettings()
    limit = options.max_cluster_points
    points = extract_points(index, section)
    if not points:
        return Themes(section, ())
    embed = len(points) <= options.embed_max_points
    vectors = _vectors(index, section, points, embed)
    sample = points
    if limit and len(points) > limit:
        order = _recent_first(index, points)
        labels = _cluster_bounded(_features(vectors, points, sparse=True), threshold, order, limit,
                                  vectors.shape[1])
        sample = [points[i] for i in order[:limit]]  # the campaign's common words, counted on the first round's
    else:
        labels = _cluster(_features(vectors, points), threshold)
    on_topic = topic and topic.strip()
    keep = _on_topic(index, points, topic, vectors if embed else None) if on_topic else [True] * len(points)
    clusters: dict[int, list[int]] = {}
    for i, label in enumerate(labels):
        clusters.setdefault(label, []).append(i)
    common = {w for w in set().union(*(_candidates(p.lead) for p in sample))
              if sum(w in p.text for p in sample) > len(sample) / 2}
    themes = []
    for members in clusters.values():
        shown = [points[i] for i in members if keep[i]]
        if shown:  # labelled by all its points, so a topic never renames a theme
            themes.append(Theme(label_of([points[i].lead for i in members], common), len({p.report for p in shown}),
                                tuple(shown)))
    themes.sort(key=lambda t: (-t.reports, -len(t.points)))  # stable: reading order breaks ties
    return Themes(section, tuple(themes))


# --- export -------------------------------------------------------------------------------------------------
CSV_FIELDS = ["theme", "reports", "lead", "report_title", "org", "section_path", "chunk_id", "text"]


def themes_to_markdown(result: Themes) -> str:
    """Themes as Markdown: a heading per theme, then each point's lead, source and text."""
    lines = [f"# {Section(result.section).heading}：共性主题", ""]
    for n, theme in enumerate(result.themes, start=1):
        lines += [f"## {n}. {theme.label}（{theme.reports}份报告）", ""]
        for p in theme.points:
            lines.append(f"- **{p.lead}** — {p.report_title}（{p.org or '未署名'}） · {p.section_path}")
            lines.append(f"  > {' '.join(p.text.split())}")
        lines.append("")
    return "\n".join(lines)


def themes_to_csv(result: Themes, path: str | Path) -> Path:
    """One row per point (theme label and report count repeated), UTF-8 with BOM so Excel reads the Chinese."""
    path = Path(path)
    with path.open("w", encoding="utf-8-sig", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=CSV_FIELDS)
        writer.writeheader()
        for theme in result.themes:
            for p in theme.points:
                record = p.record()
                writer.writerow({"theme": theme.label, "reports": theme.reports,
                                 **{k: record[k] for k in CSV_FIELDS[2:]}})
    return path
