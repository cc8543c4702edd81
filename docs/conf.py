"""Sphinx configuration of the sklearn-rnn documentation.

Build (warnings are errors, the example gallery runs)::

    python -m sphinx -W -b html docs docs/_build/html

The API reference is generated from ``sklearn_rnn.__all__`` (and
``sklearn_rnn.datasets.__all__`` when that module exists) each time the docs
build, so a new public name gets its page without editing the docs.
Nothing here downloads anything: no intersphinx inventories are fetched.
"""

import importlib
import inspect
import re
import sys
from pathlib import Path

DOCS = Path(__file__).resolve().parent
ROOT = DOCS.parent
# Build against this checkout even when the package is not installed.
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(DOCS / "sphinxext"))

import sklearn_rnn  # noqa: E402

# -- Project information -------------------------------------------------------------------

project = "sklearn-rnn"
author = "The sklearn-rnn developers"
copyright = "The sklearn-rnn developers, BSD-3-Clause license"
release = sklearn_rnn.__version__
version = re.sub(r"(\.dev\d*|rc\d*|a\d*|b\d*)$", "", release)

# -- General configuration -----------------------------------------------------------------

extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.autosummary",
    "sphinx.ext.mathjax",
    "sphinx.ext.viewcode",
    "numpydoc",
    "sphinx_gallery.gen_gallery",
]

templates_path = ["_templates"]
source_suffix = {".rst": "restructuredtext"}
root_doc = "index"
exclude_patterns = ["_build", "_api_autosummary.rst", "**.ipynb_checkpoints", "auto_examples/*.ipynb"]
default_role = "literal"
pygments_style = "sphinx"
add_function_parentheses = False

# -- autodoc / autosummary / numpydoc ------------------------------------------------------

autodoc_typehints = "none"
autosummary_generate = ["api.rst", "_api_autosummary.rst"]
autosummary_generate_overwrite = True

numpydoc_show_class_members = False
numpydoc_class_members_toctree = False
numpydoc_attributes_as_param_list = True
numpydoc_xref_param_type = False
# Validate the docstrings that the API pages render. Every check runs except
# those listed: GL01/GL02 (where a docstring's text starts and ends), ES01 (an
# extended summary), SA01 and EX01 (See Also and Examples: required of the
# public classes and functions by the issue tracker, not of each method),
# RT02 (the name of a returned value), PR09/RT05 and SS05 (style nits), and
# YD01 (no generators in the API). A failing check is a build warning, hence
# an error under ``-W``.
numpydoc_validation_checks = {"all", "GL01", "GL02", "ES01", "SA01", "EX01", "RT02", "SS05", "PR09", "RT05", "YD01"}
# Methods that scikit-learn's base classes and mixins define: scikit-learn
# owns their docstrings.
numpydoc_validation_exclude = {
    r"\.get_params$",
    r"\.set_params$",
    r"\.set_\w+_request$",
    r"\.get_metadata_routing$",
    r"\.set_output$",
    r"\.fit_transform$",
    r"\.fit_predict$",
    r"\.get_feature_names_out$",
    r"\.__sklearn_\w+__$",
}

# -- HTML output ---------------------------------------------------------------------------

html_theme = "pydata_sphinx_theme"
html_title = f"sklearn-rnn {release}"
html_static_path = []
html_show_sourcelink = False
html_theme_options = {
    "navbar_align": "left",
    "show_toc_level": 2,
    "navigation_with_keys": False,
    "secondary_sidebar_items": ["page-toc", "sg_download_links", "sg_launcher_links"],
    "footer_start": ["copyright"],
    "footer_end": ["sphinx-version", "theme-version"],
}
html_context = {"default_mode": "light"}
html_sidebars = {"install": [], "changelog": []}

# -- Example gallery -----------------------------------------------------------------------

# Examples whose names the package must export before they can run. An example
# whose names are missing is left out of the gallery (with a note in the build
# log) rather than failing the build; tests/test_examples.py skips it the same
# way. Issue 3 (windowing and forecasting) provides these names.
EXAMPLE_REQUIREMENTS = {
    "plot_forecast_airline.py": ["Forecaster", "datasets.load_airline"],
    "plot_grid_search_pipeline.py": ["SlidingWindowTransformer"],
    "plot_forecast_intervals.py": ["Forecaster", "plot_forecast"],
}


def _has(dotted):
    """Whether ``sklearn_rnn.<dotted>`` can be imported."""
    module_name, _, attribute = f"sklearn_rnn.{dotted}".rpartition(".")
    try:
        return hasattr(importlib.import_module(module_name), attribute)
    except ImportError:
        return False


SKIPPED_EXAMPLES = sorted(
    name for name, needs in EXAMPLE_REQUIREMENTS.items() if not all(_has(dotted) for dotted in needs)
)
for _name in SKIPPED_EXAMPLES:
    print(
        f"[sklearn-rnn docs] leaving {_name} out of the gallery: "
        f"sklearn_rnn lacks {', '.join(d for d in EXAMPLE_REQUIREMENTS[_name] if not _has(d))}"
    )


sphinx_gallery_conf = {
    "examples_dirs": str(ROOT / "examples"),
    "gallery_dirs": "auto_examples",
    "filename_pattern": r"/plot_",
    "ignore_pattern": "|".join([r"__init__\.py"] + [re.escape(n) for n in SKIPPED_EXAMPLES]),
    "within_subsection_order": "gallery_order.ExampleOrder",
    "backreferences_dir": "generated/backreferences",
    "doc_module": ("sklearn_rnn",),
    "reset_modules": ("matplotlib",),
    "download_all_examples": False,
    "remove_config_comments": True,
    "show_memory": False,
    "min_reported_time": 1,
    "capture_repr": ("_repr_html_", "__repr__"),
    "plot_gallery": "True",
}

# -- API reference, generated from __all__ -------------------------------------------------

_SECTIONS = [
    ("Sequence regressors", "Recurrent networks that predict one value (or one vector) per sequence."),
    ("Sequence classifiers", "Recurrent networks that predict a class per sequence."),
    ("Windowing", "Turn a time-ordered table into sequences."),
    ("Forecasting", "Forecast the next periods of a pandas series."),
    ("Datasets", "Small real data sets shipped with the package."),
    ("Other", "Further public names."),
]


def _section_of(name, obj):
    from sklearn.base import ClassifierMixin, RegressorMixin, TransformerMixin

    if inspect.isclass(obj) and "Forecast" in name:
        return "Forecasting"
    if inspect.isclass(obj) and issubclass(obj, RegressorMixin):
        return "Sequence regressors"
    if inspect.isclass(obj) and issubclass(obj, ClassifierMixin):
        return "Sequence classifiers"
    if "window" in name.lower() or (inspect.isclass(obj) and issubclass(obj, TransformerMixin)):
        return "Windowing"
    if "forecast" in name.lower():
        return "Forecasting"
    return "Other"


def public_api():
    """``{section: [(documented name, object)]}`` for every public name."""
    sections = {title: [] for title, _ in _SECTIONS}
    for name in sklearn_rnn.__all__:
        if name.startswith("__"):
            continue  # __version__
        obj = getattr(sklearn_rnn, name)
        sections[_section_of(name, obj)].append((name, obj))
    try:
        datasets = importlib.import_module("sklearn_rnn.datasets")
    except ImportError:
        datasets = None
    if datasets is not None:
        for name in getattr(datasets, "__all__", []):
            sections["Datasets"].append((f"datasets.{name}", getattr(datasets, name)))
    return {title: entries for title, entries in sections.items() if entries}


def write_api_autosummary():
    """Write ``_api_autosummary.rst``, included by ``api.rst`` (not committed)."""
    descriptions = dict(_SECTIONS)
    lines = [
        ".. This file is generated by docs/conf.py from sklearn_rnn.__all__; do not edit.",
        "",
        ".. currentmodule:: sklearn_rnn",
        "",
    ]
    for title, entries in public_api().items():
        lines += [title, "-" * len(title), "", descriptions[title], ""]
        # Classes and functions get the templates _templates/autosummary/class.rst
        # and function.rst (autosummary picks them by the object's type).
        lines += [".. autosummary::", "   :toctree: generated/", "   :nosignatures:", ""]
        lines += [f"   {name}" for name, _ in entries] + [""]
    text = "\n".join(lines)
    target = DOCS / "_api_autosummary.rst"
    if not target.exists() or target.read_text() != text:
        target.write_text(text)


write_api_autosummary()


# -- Links to other projects without intersphinx -------------------------------------------
#
# intersphinx would download inventories at build time; CI has no network.
# Instead, references to scikit-learn, PyTorch, skorch and pandas objects that
# Sphinx cannot resolve here become links to those projects' API pages, whose
# addresses follow a fixed pattern.

SKLEARN_DOCS = "https://scikit-learn.org/stable/"
EXTERNAL_API = {
    "sklearn": SKLEARN_DOCS + "modules/generated/{name}.html",
    "torch": "https://docs.pytorch.org/docs/stable/generated/{name}.html",
    "pandas": "https://pandas.pydata.org/docs/reference/api/{name}.html",
    "skorch": "https://skorch.readthedocs.io/en/stable/search.html?q={name}",
}
# Labels and glossary terms that scikit-learn's own docstrings (of inherited
# methods such as ``score`` and ``set_fit_request``) refer to.
SKLEARN_LABELS = {
    "metadata_routing": "metadata_routing.html",
    "r2_score": "modules/model_evaluation.html#r2-score",
    "accuracy_score": "modules/model_evaluation.html#accuracy-score",
}
_ROLE = re.compile(r":(ref|term):`([^`<]*?)\s*(?:<([^`>]+)>)?`")


def _sklearn_role_to_link(match):
    role, text, target = match.group(1), match.group(2).strip(), match.group(3)
    target = (target or text).strip()
    if role == "term":
        slug = re.sub(r"[^a-z0-9]+", "-", target.lower()).strip("-")
        return f"`{text} <{SKLEARN_DOCS}glossary.html#term-{slug}>`__"
    if target in SKLEARN_LABELS:
        return f"`{text} <{SKLEARN_DOCS}{SKLEARN_LABELS[target]}>`__"
    return text


def rewrite_inherited_docstring(app, what, name, obj, options, lines):
    """Make docstrings written for other documentation sets build here.

    * scikit-learn's docstrings (inherited ``score``, ``get_params``,
      ``set_*_request``) use ``:ref:`` labels and ``:term:`` glossary entries
      of scikit-learn's site: point them there.
    * A shape such as ``(n_outputs_,)`` ends a word in ``_``, which reST reads
      as a link: escape the underscore.
    """
    module = getattr(obj, "__module__", None) or ""
    for i, line in enumerate(lines):
        if module.startswith("sklearn.") or module == "sklearn":
            line = _ROLE.sub(_sklearn_role_to_link, line)
        line = re.sub(r"(shape \([^)]*?\w)_(?=[,)])", r"\1\\_", line)
        lines[i] = line


def link_external_reference(app, env, node, contnode):
    """Resolve ``sklearn.*``, ``torch.*``, ``pandas.*`` and ``skorch.*`` Python
    references to those projects' documentation pages (and references to
    skipped examples to plain text)."""
    from docutils import nodes

    if node.get("refdomain") == "std" and node.get("reftype") == "ref":
        # A link to an example left out of the gallery (see SKIPPED_EXAMPLES)
        # becomes plain text instead of a broken reference.
        target = node.get("reftarget", "")
        if any(target == f"sphx_glr_auto_examples_{name}" for name in SKIPPED_EXAMPLES):
            return contnode
        return None
    if node.get("refdomain") != "py":
        return None
    target = node.get("reftarget", "")
    package = target.split(".", 1)[0]
    if package not in EXTERNAL_API:
        return None
    parts = target.split(".")
    # A method or attribute links to its class's page.
    page = target
    for i in range(1, len(parts)):
        if parts[i][:1].isupper():
            page = ".".join(parts[: i + 1])
            break
    url = EXTERNAL_API[package].format(name=page)
    if page != target:
        url += "#" + target
    reference = nodes.reference("", "", internal=False, refuri=url, reftitle=target)
    reference.append(contnode)
    return reference


def setup(app):
    app.connect("autodoc-process-docstring", rewrite_inherited_docstring)
    app.connect("missing-reference", link_external_reference)
