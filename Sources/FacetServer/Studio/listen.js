// Live updates from `/v1/data/listen`. EventSource cannot send the token, so the stream is read
// with fetch and its server-sent events are parsed here; a dropped stream is reopened.

import { authorizedFetch, SessionEnded } from "./api.js";

/**
 * Listens to the documents `filter` matches; calls `onMutation(event)` for each change, and
 * `onError(message)` when the server refuses the filter. Answers `{close()}`.
 */
export function listen(filter, params, { dataset = "production", onMutation, onWelcome = () => {}, onError = () => {} }) {
  const controller = new AbortController();
  // Spaces go as %20: the server reads a "+" in the query string as a plus sign, not a space.
  const search = [`query=${encodeURIComponent(`*[${filter}]`)}`, "includeResult=false",
    ...Object.entries(params ?? {}).map(([name, value]) => `${encodeURIComponent(`$${name}`)}=${encodeURIComponent(JSON.stringify(value))}`)];
  const path = `/v1/data/listen/${encodeURIComponent(dataset)}?${search.join("&")}`;

  (async () => {
    let delay = 1000;
    while (!controller.signal.aborted) {
      try {
        const response = await authorizedFetch(path, { signal: controller.signal, headers: { Accept: "text/event-stream" } });
        if (!response.ok || !response.body) throw new Error(`listen answered ${response.status}`);
        delay = 1000;
        const ending = await readEvents(response.body, (event) => {
          // The server ends the stream with these: reconnect, or stop for good.
          if (event.type === "reconnect" || event.type === "channelError") return event;
          if (event.type === "welcome" || event.type === "welcomeback") onWelcome();
          if (event.type === "mutation") onMutation(JSON.parse(event.data));
          return undefined;
        });
        // The server refused the filter: reconnecting would be refused again.
        if (ending?.type === "channelError") {
          onError(JSON.parse(ending.data)?.message ?? "The server refused to send live updates");
          return;
        }
      } catch (error) {
        if (controller.signal.aborted || error instanceof SessionEnded) return;
      }
      // The server said reconnect, or the connection dropped: wait, then open it again.
      await new Promise((resolve) => setTimeout(resolve, delay));
      delay = Math.min(delay * 2, 30000);
    }
  })();

  return { close: () => controller.abort() };
}

/**
 * Reads server-sent events from `body` until it ends, calling `handle({type, data, id})` for each;
 * stops at the first event `handle` answers something other than `undefined` for, and answers
 * that. Comment lines (`: keep-alive`) are skipped.
 */
export async function readEvents(body, handle) {
  const reader = body.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = "";
  try {
    for (;;) {
      const { value, done } = await reader.read();
      if (done) return undefined;
      buffer += value.replace(/\r\n?/g, "\n");
      let end;
      while ((end = buffer.indexOf("\n\n")) >= 0) {
        const block = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        const event = { type: "message", data: "", id: null };
        const data = [];
        for (const line of block.split("\n")) {
          if (line.startsWith(":")) continue;
          const colon = line.indexOf(":");
          const name = colon < 0 ? line : line.slice(0, colon);
          const text = colon < 0 ? "" : line.slice(colon + 1).replace(/^ /, "");
          if (name === "event") event.type = text;
          else if (name === "data") data.push(text);
          else if (name === "id") event.id = text;
        }
        if (data.length === 0 && event.type === "message") continue;
        event.data = data.join("\n");
        const answer = handle(event);
        if (answer !== undefined) return answer;
      }
    }
  } finally {
    reader.cancel().catch(() => {});
  }
}
