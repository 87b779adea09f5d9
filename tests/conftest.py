import pytest

# what makes a test slow whatever it asserts: a Ray cluster, the tiny LTX pipeline, a server
# in a subprocess (S3, MLflow); such tests are marked slow here, so `make test-fast`
# (-m "not slow") leaves them out
HEAVY_FIXTURES = frozenset({"ray_cluster", "tiny", "s3_endpoint", "mlflow_server"})


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if HEAVY_FIXTURES & set(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.slow)


@pytest.fixture(autouse=True)
def _isolated_mlflow(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch):
    """Every test logs MLflow runs to a throw-away sqlite store."""
    db = tmp_path_factory.getbasetemp() / "mlflow.db"
    monkeypatch.setenv("MLFLOW_TRACKING_URI", f"sqlite:///{db}")


@pytest.fixture(scope="session")
def ray_cluster():
    """One local Ray (2 CPUs) for the whole test run; the engine joins it (compute.address is
    not used while this process has a session)."""
    ray = pytest.importorskip("ray")
    ray.init(num_cpus=2, include_dashboard=False, logging_level="WARNING", log_to_driver=False)
    yield ray
    ray.shutdown()
