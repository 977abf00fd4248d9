import rairlab.network as network


def test_all_is_exact_and_importable():
    assert sorted(network.__all__) == sorted(set(network.__all__))
    for name in network.__all__:
        assert hasattr(network, name), name
    assert {"compile_model", "conditions", "steady_state", "time_course", "attractors"} <= set(
        network.__all__
    )
