"""The session file: round trip, relative model paths, moved corpora, old and new versions, damage."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from embedding_studio.core.session_file import (FORMAT_VERSION, ExploreState, MapState, SessionFileError,
                                                SessionState, model_paths, read_session, write_session)


def full_state(folder: Path) -> SessionState:
    corpus = folder / "crime.txt"
    corpus.write_text("raskolnikov axe\n", encoding="utf-8")
    model, compared = model_paths(folder / "work.esession")
    return SessionState(
        corpus_paths=[str(corpus)], settings={"dim": 24, "epochs": 3, "lr": "0.025", "tokens": "words"},
        model_file=str(model), model_origin=None, model_unsaved=True, compared_file=str(compared),
        compared_origin="/elsewhere/other.npz",
        map=MapState(projection="tsne", drawn_count=450, rank_from=3, labels=40, colour="Cluster",
                     before="Overlay", trails=False, view_range=[[-1.5, 2.0], [-0.5, 0.75]]),
        selection=["king", "queen"], highlighted=["prince"], explore=ExploreState("Analogy", "king - man + woman"),
        writer_pid=os.getpid())


def test_every_field_comes_back(tmp_path):
    state = full_state(tmp_path)
    write_session(state, tmp_path / "work.esession")
    assert read_session(tmp_path / "work.esession") == state


def test_model_files_are_named_relative_so_the_folder_can_move(tmp_path):
    first = tmp_path / "first"
    first.mkdir()
    state = full_state(first)
    write_session(state, first / "work.esession")
    text = json.loads((first / "work.esession").read_text())
    assert text["model_file"] == "work.model.npz" and text["version"] == FORMAT_VERSION
    moved = tmp_path / "moved"
    first.rename(moved)
    back = read_session(moved / "work.esession")
    assert back.model_file == str((moved / "work.model.npz").resolve())
    assert back.missing_corpus_paths() == [str(first / "crime.txt")]  # the corpus moved with it: said so


def test_an_older_file_opens_with_defaults_for_what_it_lacks(tmp_path):
    path = tmp_path / "old.esession"
    path.write_text(json.dumps({"format": "embedding-studio session", "version": 1, "corpus_paths": [],
                                "selection": ["dog"], "map": {"projection": "pca", "a_field_gone": 1}}))
    state = read_session(path)
    assert state.selection == ["dog"] and state.map == MapState() and state.explore == ExploreState()


@pytest.mark.parametrize("content, says", [
    (json.dumps({"format": "embedding-studio session", "version": FORMAT_VERSION + 1}), "newer Embedding Studio"),
    (json.dumps({"format": "something else", "version": 1}), "not an Embedding Studio session"),
    ("{ truncated", "not JSON, or damaged"),
    (json.dumps({"format": "embedding-studio session", "version": 1, "selection": "king"}), "damaged session"),
    (json.dumps({"format": "embedding-studio session", "version": 1, "map": {"view_range": [1]}}), "zoom"),
    (json.dumps({"format": "embedding-studio session", "version": 0}), "unknown session format version"),
])
def test_files_it_cannot_use_are_refused_with_one_line(tmp_path, content, says):
    path = tmp_path / "bad.esession"
    path.write_text(content)
    with pytest.raises(SessionFileError, match=says) as error:
        read_session(path)
    assert "\n" not in str(error.value)


def test_missing_file_and_folder(tmp_path):
    with pytest.raises(SessionFileError, match="no such session file"):
        read_session(tmp_path / "nope.esession")
    with pytest.raises(SessionFileError, match="is a folder"):
        write_session(SessionState(), tmp_path)


def test_a_failed_write_leaves_the_old_session_whole(tmp_path, monkeypatch):
    path = tmp_path / "work.esession"
    write_session(SessionState(selection=["old"]), path)
    import embedding_studio.core.session_file as module

    def broken(state, folder):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(module, "to_json", broken)
    with pytest.raises(SessionFileError, match="No space left"):
        write_session(SessionState(selection=["new"]), path)
    assert read_session(path).selection == ["old"]
    assert [p.name for p in tmp_path.iterdir()] == ["work.esession"]  # no temporary file left
