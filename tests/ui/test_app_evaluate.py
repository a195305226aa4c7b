"""The Evaluate & learn page with AppTest: a shortlist as known leaders, the evaluation
table with the baselines, learning and the hidden leaders."""

from __future__ import annotations

from graph.factory import open_store

from .test_app import assert_clean, frame, page


def test_evaluate_with_a_shortlist_then_learn_and_show_hidden_leaders(make_app, app_sample_uri):
    with open_store(app_sample_uri) as store:
        table = store.load_snapshot().table
        # every third of the top 60: the accounts in between are for the model to find
        keys = table["account"].head(60).tolist()[::3]
        store.create_shortlist("Known")
        store.add_to_shortlist("Known", keys)
    at = make_app(app_sample_uri)
    page(at, "evaluate")
    assert_clean(at)
    at.radio(key="ev_source").set_value("A shortlist").run()
    at.selectbox(key="ev_shortlist").set_value("Known").run()
    at.button(key="ev_go").click().run()
    assert_clean(at)
    models = frame(at, column="auc")
    assert {"scout", "engagers", "in_strength", "pagerank", "preset:attention"} <= \
        set(models["model"])
    auc = models.set_index("model")["auc"]
    assert auc["scout"] > 0.9  # the shortlist holds top accounts of this very ranking
    positions = frame(at, column="handle")
    assert len(positions) == len(keys) and positions["scout"].max() <= 60

    at.button(key="ev_learn").click().run()
    assert_clean(at)
    with open_store(app_sample_uri) as store:
        learned = store.load_snapshot().config["learned"]
    assert learned["positives"] == len(keys) and learned["source"]
    hidden = frame(at, "hidden_table")
    assert len(hidden) > 0 and not (set(hidden["account"]) & set(keys))


def test_evaluate_with_the_rosters_managers(make_app, app_sample_uri):
    from graph.people import PeopleState, manager_labels

    with open_store(app_sample_uri) as store:
        labels = manager_labels(PeopleState(store))
    assert (labels == 1).sum() >= 5 and (labels == 0).sum() >= 5
    at = make_app(app_sample_uri)
    page(at, "evaluate")
    at.radio(key="ev_source").set_value("The roster's managers").run()
    assert_clean(at)
    at.button(key="ev_go").click().run()
    assert_clean(at)
    models = frame(at, column="auc")
    assert {"scout", "engagers", "in_strength", "pagerank"} <= set(models["model"])
    at.button(key="ev_learn").click().run()
    assert_clean(at)
    with open_store(app_sample_uri) as store:
        learned = store.load_snapshot().config["learned"]
    assert learned["positives"] == int((labels == 1).sum())
    assert not learned["implicit_negatives"]
