#!/usr/bin/env python3
"""Sample coordinateVNF script (Tacker's interface): the VNFC parameters arrive as JSON on
stdin; a non-zero exit fails the VNFC step and stderr becomes the reason. durable-vnfm itself
coordinates with the EM; this script is where an operator adds VNFC-side work (e.g. SSH)."""
import json
import sys


def main():
    params = json.load(sys.stdin)
    vnfc = params.get("vnfc", {})
    print(f"coordinate_vnf: VNFC {vnfc.get('id')} of {vnfc.get('vduId')} ready", file=sys.stderr)


if __name__ == "__main__":
    main()
