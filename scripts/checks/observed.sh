#!/usr/bin/env bash
# Every implementation of a store trait in src/ carries #[observed] (the
# tracing span and metrics of each operation, `mtgo_storage::observe`), so a
# store or method added later cannot go unobserved. The forwarding impls for
# `Arc`/`Box` (src/store.rs) and the conformance suite's own test adapter
# are the exceptions: the store they forward to has the span.
set -euo pipefail
cd "$(dirname "$0")/../.."
traits='SessionStore|PeerStore|ConversationStore|DcAuthStore|UpdateStateStore|LeaseStore|TempKeyStore|TempKeys|Adapter|Storage|PeerCache'
missing=$(find src -name '*.rs' ! -path 'src/conformance/*' ! -path 'src/store.rs' -print0 |
  xargs -0 awk -v traits="$traits" '
    FNR == 1 { prev = ""; prev2 = "" }
    $0 ~ "^[[:space:]]*impl(<[^>]*>)? (" traits ") for " {
      if (!(prev ~ /#\[async_trait\]/ && prev2 ~ /#\[crate::observe::observed\]/))
        print FILENAME ":" FNR ": " $0
    }
    /[^[:space:]]/ { prev2 = prev; prev = $0 }
  ')
if [ -n "$missing" ]; then
  echo "observed.sh: FAILED: store implementations without #[crate::observe::observed]:" >&2
  echo "$missing" >&2
  exit 1
fi
echo "observed.sh: ok (every store implementation in src/ is observed)"
