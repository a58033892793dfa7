"""The learner-code checker behind ``nets audit``: a learner's own backprop, function by function, against autodiff.

- :mod:`.runner`: :func:`audit`, a file (or module) checked from start to end;
- :mod:`.assignments`: the assignments the audit knows, and which of them a file is (by its names);
- :mod:`.loading`: a submission as learners have it (.py, a script exported from Jupyter, .ipynb);
- :mod:`.sandbox`: importing and calling the learner's code (time limits, output, tracebacks);
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
