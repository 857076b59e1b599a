import { startTestServer } from "./_support/server.ts";
const s = await startTestServer();
const html = await (await fetch(s.url + "/create")).text();
const m = /\b(select|insert into|update) .+ (from|values|set)\b/i.exec(html);
console.log(m?.[0].slice(0, 300));
await s.close();
