"""The functions the audit knows, by assignment: what a learner's file is searched for.

The names are the post's (Course 1 week 4, checked by :mod:`.post`) and the
project's L-layer forms of the course's next assignments (checked by
:mod:`.course2`, with the signatures of :mod:`nets.manual.course2`).
"""

__all__ = ["COURSE2_FUNCTIONS", "KNOWN_FUNCTIONS", "POST_FUNCTIONS"]

POST_FUNCTIONS = (
    "sigmoid", "relu", "relu_backward", "sigmoid_backward", "initialize_parameters",
    "initialize_parameters_deep", "linear_forward", "linear_activation_forward", "L_model_forward",
    "compute_cost", "linear_backward", "linear_activation_backward", "L_model_backward",
    "update_parameters",
)
COURSE2_FUNCTIONS = (
    "compute_cost_with_regularization", "L_model_backward_with_regularization",
    "L_model_forward_with_dropout", "L_model_backward_with_dropout", "update_parameters_with_gd",
    "initialize_velocity", "update_parameters_with_momentum", "initialize_adam",
    "update_parameters_with_adam", "random_mini_batches", "update_lr", "schedule_lr_decay",
)
KNOWN_FUNCTIONS = POST_FUNCTIONS + COURSE2_FUNCTIONS
