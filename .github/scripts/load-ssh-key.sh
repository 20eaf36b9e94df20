#!/usr/bin/env bash
# Loads the Authgent Docker host's SSH key into an ssh-agent for the rest of the
# job, so the docker provider's `ssh://user@host` connection works. A stack
# without `authgent:` needs no key: the step is then a no-op.
set -euo pipefail
if [ -z "${DOCKER_HOST_SSH_KEY:-}" ]; then
  echo "DOCKER_HOST_SSH_KEY is not set; skipping (only stacks with an authgent: block need it)."
  exit 0
fi
if [ -z "${DOCKER_HOST_KNOWN_HOSTS:-}" ]; then
  echo "::error::DOCKER_HOST_KNOWN_HOSTS must hold the host's key (ssh-keyscan output, verified out of band) when DOCKER_HOST_SSH_KEY is set." >&2
  exit 1
fi
mkdir -p ~/.ssh
chmod 700 ~/.ssh
printf '%s\n' "$DOCKER_HOST_KNOWN_HOSTS" >> ~/.ssh/known_hosts
eval "$(ssh-agent -s)" > /dev/null
printf '%s\n' "$DOCKER_HOST_SSH_KEY" | ssh-add - > /dev/null
echo "SSH_AUTH_SOCK=$SSH_AUTH_SOCK" >> "$GITHUB_ENV"
echo "SSH_AGENT_PID=$SSH_AGENT_PID" >> "$GITHUB_ENV"
