"""``compare`` and ``weat`` on the command line: results, JSON, and bad input as one line and exit 2."""

from __future__ import annotations

import io
import json

import numpy as np
import pytest
from scipy.stats import ortho_group

from embedding_studio.core.text.demo import demo_text
from embedding_studio.core.vectors.io import load_model, save_word2vec
from embedding_studio.core.vectors.model import Model


def run(*argv: str) -> tuple[int, str, str]:
    from embedding_studio.core.cli import main as cli_main

    out, err = io.StringIO(), io.StringIO()
    code = cli_main(list(argv), stdout=out, stderr=err)
    return code, out.getvalue(), err.getvalue()


@pytest.fixture(scope="module")
def models(tmp_path_factory):
    folder = tmp_path_factory.mktemp("analysis")
    corpus = folder / "demo.txt"
    corpus.write_text(demo_text(seed=0), encoding="utf-8")
    first, second = folder / "a.npz", folder / "b.npz"
    for out, seed in ((first, "1"), (second, "2")):
        code, _, err = run("train", str(corpus), "--out", str(out), "--dim", "16", "--epochs", "2",
                           "--workers", "1", "--seed", seed, "--quiet")
        assert code == 0, err
    model = load_model(first)
    rotation = ortho_group.rvs(model.dim, random_state=0).astype(np.float32)
    rotated = folder / "rotated.txt"
    save_word2vec(Model(model.vocab, model.vectors @ rotation), rotated)  # imported vectors: no counts
    return first, second, rotated


def test_compare_a_rotated_copy_reports_no_movement(models):
    first, _, rotated = models
    code, out, err = run("compare", str(first), str(rotated), "--json")
    assert code == 0, err
    report = json.loads(out)
    assert report["mean_movement"] < 1e-4 and report["mean_neighbour_change"] == 0
    assert report["shared_words"] == len(load_model(first))


def test_compare_two_seeds_ranks_movers(models):
    first, second, _ = models
    code, out, err = run("compare", str(first), str(second), "--top", "50", "-n", "5")
    assert code == 0, err
    lines = out.splitlines()
    assert lines[0].startswith("aligned 50 shared words; mean movement") and len(lines) == 2 + 5
    moved = [float(line.split()[1]) for line in lines[2:]]
    assert moved == sorted(moved, reverse=True) and moved[0] > 1e-3  # well above a rotated copy's ~1e-6


@pytest.mark.parametrize("argv, message", [
    (["--top", "1"], "--top must be at least 2"),
    (["-n", "0"], "-n must be at least 1"),
])
def test_compare_bad_input(models, argv, message):
    first, second, _ = models
    code, out, err = run("compare", str(first), str(second), *argv)
    assert code == 2 and message in err and "Traceback" not in err and len(err.strip().splitlines()) == 1


def test_compare_missing_file(models, tmp_path):
    code, _, err = run("compare", str(models[0]), str(tmp_path / "nope.npz"))
    assert code == 2 and "nope.npz" in err


def test_weat_custom_sets(models):
    first = models[0]
    code, out, err = run("weat", str(first), "--x", "king,prince,man,boy", "--y", "queen,princess,woman,girl",
                         "--a", "he,his", "--b", "she,her", "--json")
    assert code == 0, err
    result = json.loads(out)
    assert result["exact"] and result["splits"] == 70
    assert result["effect_size"] > 1.0 and result["p_value"] < 0.1  # the demo plants gender


def test_weat_presets_list_and_bad_input(models):
    code, out, _ = run("weat", str(models[0]), "--preset", "list")
    assert code == 0 and out.count("\n") == 10 and out.startswith("weat1\tWEAT 1: flowers vs insects")
    code, _, err = run("weat", str(models[0]), "--preset", "weat1")  # the demo knows no flowers
    assert code == 2 and "needs at least 2 in each set" in err
    code, _, err = run("weat", str(models[0]), "--preset", "weat99")
    assert code == 2 and "no preset 'weat99'" in err
    code, _, err = run("weat", str(models[0]), "--x", "king")
    assert code == 2 and "all four sets" in err


def test_stability_writes_the_runs_and_a_table(tmp_path):
    corpus = tmp_path / "demo.txt"
    corpus.write_text(demo_text(seed=4, sentences=3000), encoding="utf-8")
    out = tmp_path / "runs"
    code, stdout, err = run("stability", str(corpus), "--runs", "2", "--out", str(out), "--epochs", "1",
                            "--dim", "8", "--workers", "1", "--quiet", "-n", "3")
    assert code == 0, err
    assert sorted(p.name for p in out.iterdir()) == ["run-1.npz", "run-2.npz", "stability.tsv"]
    assert [load_model(out / f"run-{i}.npz").config.seed for i in (1, 2)] == [1, 2]
    lines = (out / "stability.tsv").read_text(encoding="utf-8").splitlines()
    assert lines[0] == "word\tcount\tjaccard\tspread" and len(lines) == 1 + len(load_model(out / "run-1.npz"))
    assert "2 runs (seeds)" in stdout and "least stable" in stdout
    listed = stdout.split("flagged unstable):\n", 1)[1].splitlines()
    assert listed[0].split() == ["word", "agreement", "spread", "count"] and len(listed) == 1 + 3
    assert all(len(line.split("\t")) == 4 for line in listed)


def test_stability_bad_input(tmp_path):
    corpus = tmp_path / "demo.txt"
    corpus.write_text(demo_text(seed=4, sentences=500), encoding="utf-8")
    code, _, err = run("stability", str(corpus), "--runs", "1", "--out", str(tmp_path / "o"))
    assert code == 2 and "--runs must be at least 2" in err
    code, _, err = run("stability", str(corpus), "--runs", "2", "--out", str(corpus))
    assert code == 2 and "needs a folder" in err and corpus.read_text(encoding="utf-8")


def test_axis_ranks_places_and_projects_out(models, tmp_path):
    first = models[0]
    code, out, err = run("axis", str(first), "he-she, his-her", "-n", "3")
    assert code == 0, err
    lines = out.splitlines()
    assert lines[0] == "axis she, her \u2190 \u2192 he, his" and lines[1] == "towards he, his:" and len(lines) == 9
    code, out, err = run("axis", str(first), "he-she", "--words", "king", "queen")
    signs, *lines = out.splitlines()
    assert signs == "axis she \u2190 \u2192 he: + is towards he, - towards she"  # which sign is which pole
    places = dict(line.split("\t") for line in lines)
    assert code == 0 and float(places["king"]) > float(places["queen"])
    target = tmp_path / "neutral.npz"
    code, _, err = run("axis", str(first), "he-she", "--remove-to", str(target))
    assert code == 0 and "projected out" in err
    code, out, _ = run("axis", str(target), "he-she", "--words", "king", "queen")  # the new model's own axis
    assert code == 0
    from embedding_studio.core.vectors.axes import positions, semantic_axis

    old = load_model(first)
    assert abs(positions(load_model(target), semantic_axis(old, "he-she"))).max() < 1e-4
    code, _, err = run("axis", str(first), "he-shee")
    assert code == 2 and "'shee' is not in the vocabulary" in err
    code, _, err = run("axis", str(first), "he-she", "--remove-to", str(first))
    assert code == 2 and "would destroy it" in err


def test_weat_table_lists_the_sets_and_the_missing_words(models):
    code, out, err = run("weat", str(models[0]), "--x", "king,prince,man,boy,zebra", "--y", "queen,princess,woman,girl",
                         "--a", "he,his", "--b", "she,her")
    assert code == 0, err
    lines = out.splitlines()
    assert lines[:2] == ["custom", "  X: 4 words (missing: zebra)"]
    assert lines[-1].startswith("effect size ") and "(exact, all 70 splits)" in lines[-1]


def test_compare_takes_two_snapshots_of_a_training_timeline(tmp_path):
    from embedding_studio.core.text.demo import demo_text

    text = tmp_path / "demo.txt"
    text.write_text(demo_text(seed=5, sentences=3000), encoding="utf-8")
    model = tmp_path / "m.npz"
    code, _, err = run("train", str(text), "--out", str(model), "--dim", "16", "--epochs", "3", "--workers", "1",
                       "--quiet")
    assert code == 0, err
    code, out, err = run("compare", f"{model}@before", f"{model}@3", "--json")
    assert code == 0, err
    learnt = json.loads(out)
    code, out, err = run("compare", f"{model}@1", f"{model}@3", "--json")
    assert code == 0, err
    settling = json.loads(out)
    assert learnt["shared_words"] > 50 and learnt["mean_movement"] > 10 * settling["mean_movement"] > 0
    code, out, _ = run("compare", f"{model}@3", f"{model}@3", "--json")
    assert code == 0 and json.loads(out)["mean_movement"] < 1e-5
    code, _, err = run("compare", f"{model}@before", f"{model}@7")
    assert code == 2 and "has no snapshot '7'" in err and "before training" in err and err.count("\n") == 1


def test_contexts_explains_its_pmi_ranking(tmp_path):
    corpus = tmp_path / "demo.txt"
    corpus.write_text(demo_text(seed=4, sentences=2000), encoding="utf-8")
    code, out, err = run("contexts", str(corpus), "king", "queen", "-n", "3", "--samples", "0")
    assert code == 0, err
    lines = out.splitlines()
    assert lines[1].startswith("ranked by PMI, the smaller of the two: words both share unusually often")
    assert lines[2].startswith("pmi 1, pmi 2: log of how many times more often the word is within 5 of word 1")
    assert lines[3].split()[:3] == ["word", "king", "queen"]
