import os

from hypothesis import settings

# Few, deterministic examples: the suites run in CTest on a shared machine and under ASan.
settings.register_profile("oups", max_examples=int(os.environ.get("OUPS_HYPOTHESIS_EXAMPLES", "25")),
                          deadline=None, derandomize=True, database=None)
settings.load_profile("oups")
