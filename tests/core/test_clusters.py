"""k-means colouring of the map finds planted groups of words and names them by the words most particular
to each, not by its most frequent (on real text: "the", "and", lying between all groups)."""

import numpy as np

from embedding_studio.core.maps.clusters import cluster_words


def planted(groups=4, per=50, dim=16, seed=0):
    """``groups`` tight bundles of directions, of varying lengths (length must not matter)."""
    rng = np.random.default_rng(seed)
    centres = rng.normal(size=(groups, dim)) * 5
    truth = np.repeat(np.arange(groups), per)
    vectors = (centres[truth] + rng.normal(scale=0.3, size=(len(truth), dim))) * rng.uniform(0.2, 5, (len(truth), 1))
    words = [f"g{g}_{i}" for g, i in zip(truth, np.tile(np.arange(per), groups))]
    counts = np.tile(np.arange(per, 0, -1), groups) * 10  # word i of each group: the i-th most frequent
    return vectors.astype(np.float32), words, counts, truth


def test_planted_groups_are_found_and_named_by_their_own_words():
    vectors, words, counts, truth = planted()
    clusters = cluster_words(vectors, words, counts, k=4)
    assert len(clusters) == 4 and len(clusters.labels) == len(words)
    for g in range(4):  # each planted group is exactly one cluster
        assert len(set(clusters.labels[truth == g].tolist())) == 1
    assert len(set(clusters.labels.tolist())) == 4
    for group, names in enumerate(clusters.names):
        planted_group = truth[clusters.labels == group][0]
        assert len(names) == 3 and all(name.startswith(f"g{planted_group}_") for name in names)


def test_same_words_same_colours_and_more_groups_than_words_is_fine():
    vectors, words, counts, _ = planted(groups=3, per=20, seed=1)
    first = cluster_words(vectors, words, counts, k=8)
    again = cluster_words(vectors, words, counts, k=8)
    assert np.array_equal(first.labels, again.labels) and first.names == again.names
    sizes = np.bincount(first.labels)
    assert list(sizes) == sorted(sizes, reverse=True)  # group 0 is the largest
    few = cluster_words(vectors[:3], words[:3], counts[:3], k=8)
    assert len(few) == 3 and sorted(few.labels.tolist()) == [0, 1, 2]
    assert len(cluster_words(vectors[:0], [], counts[:0])) == 0


def test_a_frequent_word_between_the_groups_names_none_of_them():
    vectors, words, counts, truth = planted(groups=3, per=30, seed=2)
    between = vectors[truth == 0].mean(axis=0) + vectors[truth == 1].mean(axis=0) + vectors[truth == 2].mean(axis=0)
    vectors = np.vstack([vectors, between[None, :]])
    words, counts = words + ["the"], np.append(counts, counts.max() * 100)  # by far the most frequent
    clusters = cluster_words(vectors, words, counts, k=3)
    assert not any("the" in names for names in clusters.names)
    for group, names in enumerate(clusters.names):  # frequent members still come before rare ones
        members = [w for w, label in zip(words, clusters.labels) if label == group and w != "the"]
        ranks = sorted(int(w.split("_")[1]) for w in names)
        assert ranks[0] < len(members) // 2
