# Oponn: one container runs `deno serve --parallel` (one worker per CPU) on port 8000.
FROM denoland/deno:2.9.6

WORKDIR /app
RUN chown deno:deno /app
USER deno

# Dependencies first, so this layer is reused until deno.json or deno.lock change.
COPY --chown=deno:deno deno.json deno.lock ./
RUN deno install --frozen

COPY --chown=deno:deno . .
# The server and the migration command (`deno task migrate`) compiled ahead.
# Only what the server needs: a bare install would want the test-only packages too.
RUN deno install --frozen --entrypoint main.ts serve.ts lib/stores/migrate_cli.ts

ENV OPONN_ENV=production \
    HOST=0.0.0.0 \
    PORT=8000
EXPOSE 8000

# Alive and able to reach Postgres and Redis (compose.yaml repeats this check).
HEALTHCHECK --interval=5s --timeout=3s --start-period=10s --retries=10 \
  CMD ["deno", "eval", "const r = await fetch('http://127.0.0.1:8000/readyz'); Deno.exit(r.ok ? 0 : 1)"]

# The same command as `deno task prod`, without the task runner in between.
# Every live viewer holds a descriptor: the soft limit (often 1,024 in a
# container) is first raised to the hard one, which compose.yaml sets to 65,536
# (`ulimits: nofile`); `docker run --ulimit nofile=65536:65536` does the same.
CMD ["sh", "-c", "ulimit -n \"$(ulimit -Hn)\" 2>/dev/null || true; exec deno serve --parallel -A --host \"$HOST\" --port \"$PORT\" serve.ts"]
