"""The reference lesson's numbers, copied from ../shared/seed-example.md (10 decimals).

Shared by the engine tests; every value here is the seed's text, not a computed one.
"""

from __future__ import annotations

from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
REFERENCE_JSON = REPO / "resources" / "examples" / "reference.json"

# The seed shows 10 decimals, so a value rounded to them is within 5e-11 of the exact one.
TOL = 5e-11

PARAMETERS = {"w1": 0.10, "w2": 0.15, "w3": 0.03, "w4": 0.08, "w5": 0.18, "w6": 0.06,
              "w7": 0.11, "w8": 0.26, "b1": 0.05, "b2": 0.42}
INPUT = (0.95, 0.06)
TARGET = (0.05, 0.82)
LEARNING_RATE = 0.01

NET_H = (0.154, 0.0833)
OUT_H = (0.5384240912, 0.5208129665)
NET_Y = (0.5481651144, 0.6146380213)
OUT_Y = (0.6337097788, 0.6489980701)

E1 = 0.1703585530
E2 = 0.0146208300
E_TOTAL = 0.1849793830

GRADIENTS = {
    "w1": 0.0047463957, "w2": 0.0002997724, "w3": -0.0004738406, "w4": -0.0000299268,
    "w5": 0.0729519972, "w6": 0.0705658359, "w7": -0.0209738620, "w8": -0.0202878353,
    "b1": 0.0044974264, "b2": 0.0965375363,
}
UPDATED = {
    "w1": 0.0999525360, "w2": 0.1499970023, "w3": 0.0300047384, "w4": 0.0800002993,
    "w5": 0.1792704800, "w6": 0.0592943416, "w7": 0.1102097386, "w8": 0.2602028784,
    "b1": 0.0499550257, "b2": 0.4190346246,
}

# dE/dw5 = dE/doutY1 * doutY1/dnetY1 * dnetY1/dw5 as the seed writes it.
W5_DE_DOUT = 0.5837097788
# The seed prints doutY1/dnetY1 = 0.2321218850: a slip in the seed. The exact value is
# outY1 * (1 - outY1) = 0.23212169504125 (0.2321216950 to 10 decimals; "0.2321216951", as
# it is sometimes quoted, is off by one in the last place), and the seed's own product
# 0.0729519972 is only reached with the exact value: with the slip it would be
# 0.5837097788 * 0.2321218850 * 0.5384240912 = 0.0729520569.
W5_DOUT_DNET_SEED_SLIP = 0.2321218850
W5_DOUT_DNET = 0.2321216950
W5_DNET_DW = 0.5384240912

# What the widely copied original lesson got wrong (the tool must not repeat these).
SLIP_W5_GRADIENT_ROUNDED = 0.07289
SLIP_W5_UPDATE_WRONG_SIGN = 0.1807289
