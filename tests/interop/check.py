"""Reads session strings and .session files written by mtgo-storage with the
real Telethon and Pyrogram, and prints what they see as JSON.

Usage: python check.py JOB.json   (run by tests/interop.rs)

The job names Telethon strings, Pyrogram strings, a Telethon .session file,
a Pyrogram .session file, the peer keys to look up in them, and a session
for which the libraries write their own strings (compared with ours).
"""
import asyncio
import json
import shutil
import sys
import tempfile
from pathlib import Path

import pyrogram
import telethon
from pyrogram.storage import FileStorage, MemoryStorage
from telethon.crypto import AuthKey
from telethon.sessions import SQLiteSession, StringSession


def peer_repr(p):
    """An InputPeer of either library as a small dict."""
    name = type(p).__name__
    out = {"type": name}
    for attr in ("user_id", "chat_id", "channel_id", "access_hash"):
        if hasattr(p, attr):
            out[attr] = getattr(p, attr)
    return out


def telethon_string(s):
    sess = StringSession(s)
    return {
        "dc": sess.dc_id,
        "addr": sess.server_address,
        "port": sess.port,
        "key": sess.auth_key.key.hex() if sess.auth_key else None,
    }


async def pyrogram_string(s):
    st = MemoryStorage("interop", s)
    await st.open()
    out = {
        "dc": await st.dc_id(),
        "api_id": await st.api_id(),
        "test_mode": bool(await st.test_mode()),
        "key": (await st.auth_key()).hex(),
        "user_id": await st.user_id(),
        "is_bot": bool(await st.is_bot()),
    }
    await st.close()
    return out


def telethon_file(path, lookups, channels):
    work = Path(tempfile.mkdtemp()) / "copy.session"
    shutil.copy(path, work)
    sess = SQLiteSession(str(work))
    out = {
        "dc": sess.dc_id,
        "addr": sess.server_address,
        "port": sess.port,
        "key": sess.auth_key.key.hex() if sess.auth_key else None,
        "lookups": {},
        "update_state": None,
        "channel_pts": {},
    }
    for key in lookups:
        try:
            out["lookups"][str(key)] = peer_repr(sess.get_input_entity(key))
        except Exception as e:  # noqa: BLE001 - reported to the Rust side
            out["lookups"][str(key)] = {"error": repr(e)}
    state = sess.get_update_state(0)
    if state is not None:
        out["update_state"] = [state.pts, state.qts, int(state.date.timestamp()), state.seq]
    for channel in channels:
        st = sess.get_update_state(channel)
        out["channel_pts"][str(channel)] = st.pts if st else None
    sess.close()
    return out


async def pyrogram_file(path, lookups):
    workdir = Path(tempfile.mkdtemp())
    shutil.copy(path, workdir / "copy.session")
    st = FileStorage("copy", workdir)
    await st.open()
    out = {
        "dc": await st.dc_id(),
        "api_id": await st.api_id(),
        "test_mode": bool(await st.test_mode()),
        "key": (await st.auth_key()).hex(),
        "user_id": await st.user_id(),
        "is_bot": bool(await st.is_bot()),
        "lookups": {},
    }
    for key in lookups:
        try:
            if isinstance(key, int):
                peer = await st.get_peer_by_id(key)
            elif key.lstrip("+").isdigit():
                peer = await st.get_peer_by_phone_number(key.lstrip("+"))
            else:
                peer = await st.get_peer_by_username(key.lstrip("@").lower())
            out["lookups"][str(key)] = peer_repr(peer)
        except Exception as e:  # noqa: BLE001
            out["lookups"][str(key)] = {"error": repr(e)}
    await st.close()
    return out


async def own_strings(s):
    """The libraries' own strings for the same session."""
    key = bytes.fromhex(s["key"])
    tele = StringSession()
    tele.set_dc(s["dc"], s["addr"], s["port"])
    tele.auth_key = AuthKey(key)
    st = MemoryStorage("own")
    await st.open()
    await st.dc_id(s["dc"])
    await st.api_id(s["api_id"])
    await st.test_mode(s["test_mode"])
    await st.auth_key(key)
    await st.user_id(s["user_id"])
    await st.is_bot(s["is_bot"])
    pyro = await st.export_session_string()
    await st.close()
    return {"telethon": tele.save(), "pyrogram": pyro}


async def main():
    job = json.loads(Path(sys.argv[1]).read_text())
    result = {
        "versions": {"telethon": telethon.__version__, "pyrogram": pyrogram.__version__},
        "telethon_strings": [telethon_string(s) for s in job["telethon_strings"]],
        "pyrogram_strings": [await pyrogram_string(s) for s in job["pyrogram_strings"]],
        "telethon_file": telethon_file(job["telethon_file"], job["telethon_lookups"], job["channels"]),
        "pyrogram_file": await pyrogram_file(job["pyrogram_file"], job["pyrogram_lookups"]),
        "own": await own_strings(job["session"]),
    }
    print(json.dumps(result))


asyncio.run(main())
