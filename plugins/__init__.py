"""genproxy's built-in modality plugins, registered through the `genproxy` entry-point group like any other."""
