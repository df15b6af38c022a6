#!/usr/bin/env bash
# The "web browser" of the end-to-end run, registered as this session's default browser: it
# does what a person's browser does with a sign-in page of the identity-provider stand-in —
# follows it, and its redirect back to the app's loopback address.
echo "$1" >>"${MAILFERRY_E2E_ARTIFACTS:-/tmp}/browser.log"
exec curl -sS -L --max-time 30 -o /dev/null "$1"
