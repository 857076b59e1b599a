# Oponn: one container runs `deno serve --parallel` (one worker per CPU) on port 8000.
FROM denoland/deno:2.9.6

WORKDIR /app
RUN chown deno:deno /app
USER deno

# Dependencies first, so this layer is reused until deno.json or deno.lock change.
COPY --chown=deno:deno deno.json deno.lock ./
RUN deno install --frozen

COPY --chown=deno:deno . .
RUN deno install --frozen && deno cache main.ts lib/stores/migrate_cli.ts

ENV OPONN_ENV=production \
    HOST=0.0.0.0 \
    PORT=8000
EXPOSE 8000

# The same command as `deno task prod`, without the task runner in between.
CMD ["deno", "serve", "--parallel", "-A", "--host", "0.0.0.0", "--port", "8000", "main.ts"]
