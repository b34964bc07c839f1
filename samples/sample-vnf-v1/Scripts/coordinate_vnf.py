#!/usr/bin/env python3
"""Sample coordinateVNF script (Tacker's interface): the parameters arrive as JSON on stdin; a
non-zero exit fails the step and stderr becomes the reason. durable-vnfm itself coordinates each
VNFC with the EM; this script is where an operator adds VNFC-side work (e.g. SSH).

In a Blue-Green change the script is also asked to switch the external load balancer
("action": "switch_lb"): it gets external_lb_param (ip_address, username, password and the
management port) and the members, the VNFCs that carry the traffic from now on, each with its
fixed address. This sample configures the load balancer simulator of durable-vnfm's embedded
default (PUT /v1/pool, HTTP Basic); a real load balancer needs its own API or CLI here. A switch
sets the whole pool, so running it again is safe: the VNFM does so when it fails."""
import base64
import json
import sys
import urllib.error
import urllib.request


def switch_load_balancer(params):
    lb = params["external_lb_param"]
    members = [{"address": m["address"]} for m in params["members"] if m.get("address")]
    if len(members) != len(params["members"]):
        sys.exit("coordinate_vnf: a member VNFC has no address; cannot add it to the load balancer")
    host = lb["ip_address"]
    host = f"[{host}]" if ":" in host else host
    url = f"http://{host}:{lb.get('port', 80)}/v1/pool"
    credentials = base64.b64encode(f"{lb['username']}:{lb['password']}".encode()).decode()
    request = urllib.request.Request(
        url, method="PUT", data=json.dumps({"members": members}).encode(),
        headers={"Content-Type": "application/json", "Authorization": f"Basic {credentials}"})
    try:
        with urllib.request.urlopen(request, timeout=60) as answer:
            answer.read()
    except urllib.error.HTTPError as err:
        sys.exit(f"coordinate_vnf: load balancer {lb['ip_address']} answered {err.code}: {err.read()[:300].decode(errors='replace')}")
    except (urllib.error.URLError, OSError) as err:
        sys.exit(f"coordinate_vnf: load balancer {lb['ip_address']} not reached: {err}")
    print(f"coordinate_vnf: load balancer {lb['ip_address']} now sends traffic to "
          f"{', '.join(m['address'] for m in members)} ({params.get('side')} VNFCs)", file=sys.stderr)


def main():
    params = json.load(sys.stdin)
    if params.get("action") == "switch_lb":
        switch_load_balancer(params)
        return
    vnfc = params.get("vnfc", {})
    print(f"coordinate_vnf: VNFC {vnfc.get('id')} of {vnfc.get('vduId')} ready", file=sys.stderr)


if __name__ == "__main__":
    main()
