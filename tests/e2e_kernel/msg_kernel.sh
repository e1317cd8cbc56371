#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# tests/e2e/msg_test.sh over the kernel transport (tern.ko).
DIR=$(cd "$(dirname "$0")" && pwd)
E2E_TRANSPORT=kernel exec "$DIR/../e2e/msg_test.sh"
