"""The documentation site builds strictly, every page renders, and nothing on it is broken.

Builds the site into a temporary folder with `mkdocs build --strict`, then parses every
generated HTML page: each local `href` / `src` must resolve to a file of the built site
(and a `#fragment` into another page to an id on it), every page of the nav must exist,
and every registered model must have a card with its sample grid.

The site does not depend on the Keras backend (mkdocstrings reads the docstrings
statically), so the suite builds it once: only in the KERAS_BACKEND=jax pass.
"""

from __future__ import annotations

import os
import subprocess
import sys
from html.parser import HTMLParser
from urllib.parse import unquote, urlsplit

import keras
import pytest
from helpers import ROOT

import ganzoo

pytestmark = [
    pytest.mark.skipif(keras.config.backend() != "jax",
                       reason="the docs site is backend independent: built once, in the KERAS_BACKEND=jax run"),
    pytest.mark.subprocess,
]

DOCS = os.path.join(ROOT, "docs")


class _Links(HTMLParser):
    def __init__(self):
        super().__init__()
        self.links, self.ids = [], set()

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if attrs.get("id"):
            self.ids.add(attrs["id"])
        if tag == "a" and attrs.get("name"):
            self.ids.add(attrs["name"])
        for key in ("href", "src"):
            if attrs.get(key) is not None:
                self.links.append((tag, key, attrs[key]))


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    pytest.importorskip("mkdocs", reason="mkdocs is not installed: pip install 'ganzoo[docs]'")
    pytest.importorskip("material", reason="mkdocs-material is not installed: pip install 'ganzoo[docs]'")
    pytest.importorskip("mkdocstrings", reason="mkdocstrings is not installed: pip install 'ganzoo[docs]'")
    out = tmp_path_factory.mktemp("site")
    proc = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir", str(out)],
        cwd=ROOT, capture_output=True, text=True, timeout=300,
        env={**os.environ, "NO_MKDOCS_2_WARNING": "1"},
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "WARNING" not in proc.stderr, proc.stderr
    return str(out)


def _pages(site):
    for folder, _, files in os.walk(site):
        for name in files:
            if name.endswith(".html"):
                yield os.path.join(folder, name)


def _parse(path):
    parser = _Links()
    with open(path, encoding="utf-8") as f:
        parser.feed(f.read())
    return parser


def _target(site, page, url):
    """The built file a local link points to (None for external links)."""
    parts = urlsplit(url)
    if parts.scheme or parts.netloc or url.startswith(("mailto:", "data:", "javascript:")):
        return None
    if not parts.path:
        return page
    base = site if parts.path.startswith("/") else os.path.dirname(page)
    path = os.path.normpath(os.path.join(base, unquote(parts.path).lstrip("/")))
    if parts.path.endswith("/") or os.path.isdir(path):
        path = os.path.join(path, "index.html")
    return path


def test_every_markdown_page_renders(site):
    # The snippets mkdocs.yml's exclude_docs keeps from being pages (tables included elsewhere).
    with open(os.path.join(ROOT, "mkdocs.yml"), encoding="utf-8") as f:
        excluded = {line.strip().lstrip("/") for line in f if line.strip().startswith("/")
                    and line.strip().endswith(".md")}
    assert "figures/results.md" in excluded, excluded
    for folder, _, files in os.walk(DOCS):
        for name in files:
            rel = os.path.relpath(os.path.join(folder, name), DOCS)
            if not name.endswith(".md") or rel in excluded:
                continue
            stem = rel[:-3]
            html = "index.html" if stem == "index" else os.path.join(stem, "index.html")
            path = os.path.join(site, html)
            assert os.path.exists(path), f"docs/{rel} did not render to {html}"
            with open(path, encoding="utf-8") as f:
                text = f.read()
            assert "<h1" in text, f"{html} has no title"
            assert ":::" not in text.split('<div class="md-content"', 1)[-1].split("</article>")[0], (
                f"{html}: an unrendered mkdocstrings directive")


def test_no_broken_internal_links_or_missing_images(site):
    pages = {p: _parse(p) for p in _pages(site)}
    assert len(pages) >= 10
    broken = []
    checked = 0
    for page, parsed in pages.items():
        for tag, key, url in parsed.links:
            target = _target(site, page, url)
            if target is None:
                continue
            checked += 1
            where = f"{os.path.relpath(page, site)}: <{tag} {key}={url!r}>"
            if not os.path.isfile(target):
                broken.append(f"{where} -> missing {os.path.relpath(target, site)}")
                continue
            fragment = urlsplit(url).fragment
            if fragment and target.endswith(".html") and target in pages and fragment not in pages[target].ids:
                broken.append(f"{where} -> no id {fragment!r} on {os.path.relpath(target, site)}")
    assert checked > 100
    assert not broken, "\n".join(broken)


def test_every_registered_model_has_a_card_with_samples(site):
    parsed = _parse(os.path.join(site, "models", "index.html"))
    images = {url for tag, key, url in parsed.links if tag == "img"}
    for name in ganzoo.list_models():
        assert name in parsed.ids, f"no card (heading id {name!r}) for {name} on the Models page"
    # Sample grids come from the short-budget run of the generative models (docs/make_figures.py).
    for name in ganzoo.list_models(task="generation"):
        assert f"../figures/{name}.png" in images, f"the {name} card shows no sample grid"
        assert os.path.isfile(os.path.join(site, "figures", f"{name}.png"))


def test_cli_reference_is_up_to_date():
    sys.path.insert(0, DOCS)
    try:
        import make_cli_reference
    finally:
        sys.path.remove(DOCS)
    with open(os.path.join(DOCS, "cli.md"), encoding="utf-8") as f:
        committed = f.read()
    assert committed == make_cli_reference.page(), "docs/cli.md is stale: run python docs/make_cli_reference.py"
