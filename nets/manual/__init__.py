"""The post's and the course's hand-derived forward and backward code, kept as a test oracle.

Autodiff, this code and finite differences must agree; the code itself is
checked against finite differences and hand-worked cases first (the post's is
not above suspicion: see the differences listed in :mod:`.week4`).

- :mod:`.week4`: the post's functions (Course 1 week 4), as the post writes them
  (two bugs fixed and explained);
- :mod:`.application`: NOT from the post: the course's training loop
  ``L_layer_model``, its initialisations, ``predict``, a pruned backward pass;
- :mod:`.course2`: NOT from the post: the course's next assignments (L2,
  dropout, momentum, Adam, mini-batches, decay), generalised to L layers;
- :mod:`.week2`, :mod:`.week3`: NOT from the post: the course's two assignments
  before it (logistic regression; the planar tanh network), in its names.

Every name of week4, application and course2 is importable from ``nets.manual``
itself. week2 and week3 are reached as ``nets.manual.week2.<name>`` and
``nets.manual.week3.<name>`` only: their ``sigmoid``, ``predict``,
``compute_cost``, ``initialize_parameters`` and ``update_parameters`` follow
those weeks' conventions, which differ from week 4's.
"""
from . import application, course2, week2, week3, week4
from .application import *  # noqa: F401,F403
from .course2 import *  # noqa: F401,F403
from .week4 import *  # noqa: F401,F403

__all__ = [*week4.__all__, *application.__all__, *course2.__all__]
