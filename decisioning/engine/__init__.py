"""The next-best-action engine: pure Python over plain snapshot data (no ORM inside).

- :func:`decide` — one customer (real time, journeys), with an optional debug trace.
- :func:`decide_batch` — a chunk of customers, vectorised with numpy (campaign runs).

Both run the same pipeline and return the same decisions for the same inputs.
"""

from decisioning.engine.data import (
    ChannelData,
    CreativeData,
    CustomerInput,
    Decision,
    DecisionOptions,
    DecisionResult,
    HistoryEvent,
    OfferData,
    OutcomeCounts,
    PlacementData,
    Snapshot,
)
from decisioning.engine.pipeline import decide

__all__ = [
    "ChannelData",
    "CreativeData",
    "CustomerInput",
    "Decision",
    "DecisionOptions",
    "DecisionResult",
    "HistoryEvent",
    "OfferData",
    "OutcomeCounts",
    "PlacementData",
    "Snapshot",
    "decide",
]
