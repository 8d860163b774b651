# Loads the libraries named on the command line, as blasctl info -load does,
# then prints threadpoolctl's threadpool_info() as JSON.
import ctypes
import json
import os
import sys

for path in sys.argv[1:]:
    ctypes.CDLL(path, mode=os.RTLD_GLOBAL)

import threadpoolctl  # noqa: E402  (after loading, as a user's imports would)

print(json.dumps(threadpoolctl.threadpool_info()))
