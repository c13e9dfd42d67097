"""Every flow of the bot, one module per flow, discovered automatically and checked at import.

Adding a flow = adding one file here that defines one `flows.flow.Flow` subclass; nothing to register.
Exactly one module defines the `flows.flow.HomeScreen` subclass (home for now; the ledger-backed dashboard
replaces it). `discover()` imports every module of the package (pkgutil) and builds the `Registry`, whose
checks raise `InvalidFlowDefinition` — so a bad definition stops the process at startup and fails CI.
Pure: flow modules import no Django, Redis or requests.
"""

from __future__ import annotations

import importlib
import inspect
import pkgutil

from flows.flow import Flow, HomeScreen, InvalidFlowDefinition
from flows.registry import Registry


def discover(package_name: str = __name__) -> Registry:
    """Import every module of `package_name` and return the checked registry of its flows and home."""
    package = importlib.import_module(package_name)
    flows: list[type[Flow]] = []
    homes: list[type[HomeScreen]] = []
    for info in sorted(pkgutil.iter_modules(package.__path__), key=lambda found: found.name):
        module = importlib.import_module(f"{package_name}.{info.name}")
        declared = [
            cls for cls in vars(module).values() if inspect.isclass(cls) and cls.__module__ == module.__name__
        ]
        module_flows = [cls for cls in declared if issubclass(cls, Flow)]
        if len(module_flows) > 1:
            names = ", ".join(cls.__name__ for cls in module_flows)
            raise InvalidFlowDefinition(f"{module.__name__}: one flow per file, found {names}")
        flows.extend(module_flows)
        homes.extend(cls for cls in declared if issubclass(cls, HomeScreen))
    if len(homes) != 1:
        raise InvalidFlowDefinition(f"{package_name}: exactly one HomeScreen expected, found {len(homes)}")
    return Registry((cls() for cls in flows), homes[0]())


REGISTRY = discover()
