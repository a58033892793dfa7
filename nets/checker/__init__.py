"""The learner-code checker behind ``nets audit``: a learner's own backprop, function by function, against autodiff.

- :mod:`.runner`: :func:`audit`, a file (or module) checked from start to end;
- :mod:`.assignments`: the assignments the audit knows, and which of them a file is (by its names);
- :mod:`.loading`: a submission as learners have it (.py, a script exported from Jupyter, .ipynb);
- :mod:`.isolation`, :mod:`.worker`: a submission's code in a worker process of its own (limits,
  timeouts, crashes), spoken to in plain data only;
- :mod:`.grading`: a class of submissions, audited in parallel; the gradebook, Gradescope's results;
- :mod:`.sandbox`: importing and calling the learner's code (time limits, output, tracebacks), in
  the worker, or in this process for a module object given directly;
- :mod:`.core`: the :class:`~.core.Auditor` every check works with (calls, cases, inputs);
- :mod:`.post`, :mod:`.course2`: the checks of the post's and the course's next functions
  (:mod:`.initialisers`: the scale of an initialiser's draws);
- :mod:`.reference`: what they compare against (autodiff, finite differences);
- :mod:`.diagnose`: comparisons, and the usual mistakes named;
- :mod:`.report`: the report, as text or JSON.

(Not ``nets/audit/``: the public function ``nets.audit`` would shadow a
package of that name.)
"""
from ..errors import AuditImportError
from .assignments import COURSE2_FUNCTIONS, POST_FUNCTIONS
from .report import AuditReport, Check
from .runner import DEFAULT_TIMEOUT, audit

__all__ = ["AuditImportError", "AuditReport", "COURSE2_FUNCTIONS", "Check", "DEFAULT_TIMEOUT", "POST_FUNCTIONS",
           "audit"]
