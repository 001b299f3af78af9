"""What Google serves now, learned while genproxy runs: model families, retirements and replacements."""
from proxy.catalog.catalog import ModelCatalog
from proxy.catalog.retirements import Retirement, Retirements

__all__ = ["ModelCatalog", "Retirement", "Retirements"]
