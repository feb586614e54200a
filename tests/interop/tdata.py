"""Builds and reads Telegram Desktop tdata folders with opentele-ng 1.5.0,
offline, for tests/tdata_interop.rs (the reference converter).

Usage:
  python tdata.py build DIR SPEC.json   writes a new tdata folder at DIR
  python tdata.py read DIR [PASSCODE]   prints the folder's accounts as JSON

SPEC.json: {"passcode": "..." or null,
            "accounts": [{"user_id": 1, "dc": 2, "keys": {"2": "<hex>", ...}}]}
The read output has the same shape, each account with its "index", plus
"active_index".
"""
import json
import sys

from opentele.td import Account, AuthKey, AuthKeyType, TDesktop
from opentele.td.configs import DcId


def build(path, spec_path):
    with open(spec_path) as f:
        spec = json.load(f)
    desk = TDesktop()
    for i, a in enumerate(spec["accounts"]):
        account = Account(owner=desk, index=i)
        keys = [
            AuthKey(bytes.fromhex(k), AuthKeyType.ReadFromFile, DcId(int(dc)))
            for dc, k in sorted(a["keys"].items(), key=lambda kv: int(kv[0]))
        ]
        account._setMtpAuthorizationCustom(DcId(a["dc"]), a["user_id"], keys)
        desk._addSingleAccount(account)
    desk.SaveTData(path, passcode=spec.get("passcode") or None)


def read(path, passcode):
    desk = TDesktop(path, passcode=passcode)
    accounts = []
    for a in desk.accounts:
        # The account's keys of every DC (opentele keeps them in a private list).
        keys = a._Account__mtpKeys
        accounts.append(
            {
                "index": a.index,
                "user_id": int(a.UserId),
                "dc": int(a.MainDcId),
                "keys": {str(int(k.dcId)): k.key.hex() for k in keys},
            }
        )
    main = desk.mainAccount
    print(
        json.dumps(
            {
                "accounts": accounts,
                "active_index": main.index if main is not None else None,
                "version": desk.AppVersion,
            }
        )
    )


def main():
    if len(sys.argv) >= 3 and sys.argv[1] == "read":
        read(sys.argv[2], sys.argv[3] if len(sys.argv) > 3 else None)
    elif len(sys.argv) == 4 and sys.argv[1] == "build":
        build(sys.argv[2], sys.argv[3])
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main()
