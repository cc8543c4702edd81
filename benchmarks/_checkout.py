"""Put the checkout that holds this ``benchmarks/`` folder first on ``sys.path``.

A script run as ``python benchmarks/x.py`` has ``benchmarks/`` on its path,
not the checkout, so ``import sklearn_rnn`` would find whichever copy is
installed (an editable install of another clone, a release). Importing this
module first makes every benchmark measure the package next to it.
"""

import os
import sys

CHECKOUT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
if os.path.isdir(os.path.join(CHECKOUT, "sklearn_rnn")) and CHECKOUT not in sys.path:
    sys.path.insert(1, CHECKOUT)
