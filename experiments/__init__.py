"""Running borderflow: the command line, batches, sweeps and sensitivity analysis, the named scenario files.

`experiments.batch_run(...)` is the Python entry point for batches (see experiments.batch); it
is loaded on first use so that the command line starts without pandas.
"""


def __getattr__(name: str):
    if name == "batch_run":
        from experiments.batch import batch_run

        return batch_run
    raise AttributeError(f"module 'experiments' has no attribute '{name}'")
