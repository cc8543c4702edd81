"""Order of the examples in the gallery: from first steps to forecasting.

sphinx-gallery takes this class by name (``"gallery_order.ExampleOrder"``),
so that the Sphinx configuration stays picklable. Examples not listed come
last, in alphabetical order.
"""

ORDER = [
    "plot_keras_equivalents.py",
    "plot_training_curves.py",
    "plot_variable_length_classification.py",
    "plot_grid_search_pipeline.py",
    "plot_forecast_airline.py",
    "plot_forecast_panel.py",
    "plot_forecast_panel_tuning.py",
    "plot_forecast_covariates.py",
    "plot_forecast_intervals.py",
]


class ExampleOrder:
    """Sort key for the example file names of one gallery folder."""

    def __init__(self, src_dir):
        self.src_dir = src_dir

    def __call__(self, filename):
        return (ORDER.index(filename) if filename in ORDER else len(ORDER), filename)

    def __repr__(self):
        return "ExampleOrder"
