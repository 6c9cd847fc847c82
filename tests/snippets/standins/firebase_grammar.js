// Dump the command grammar of the installed firebase-tools package as JSON:
// every command's usage line and option flags, plus the global options.
// The firebase stand-in accepts exactly this grammar, so a page cannot
// document a command or flag that the real CLI lacks.
"use strict";
const fs = require("fs");
const path = require("path");

const root = path.dirname(require.resolve("firebase-tools/package.json"));
const version = require(path.join(root, "package.json")).version;
const commandsDir = path.join(root, "lib", "commands");
const grammar = { tool: "firebase", version, global: [], commands: {} };

const index = fs.readFileSync(path.join(root, "lib", "index.js"), "utf8");
for (const match of index.matchAll(/program\.option\("([^"]+)"/g)) {
  grammar.global.push(match[1]);
}
for (const file of fs.readdirSync(commandsDir).sort()) {
  if (!file.endsWith(".js") || file === "index.js") continue;
  let mod;
  try {
    mod = require(path.join(commandsDir, file));
  } catch (err) {
    process.stderr.write(`skipped ${file}: ${err.message}\n`);
    continue;
  }
  const cmd = mod.command;
  if (!cmd || typeof cmd.cmd !== "string") continue;
  grammar.commands[cmd.name] = {
    usage: cmd.cmd,
    aliases: cmd.aliases || [],
    options: (cmd.options || []).map((o) => o[0]),
  };
}
process.stdout.write(JSON.stringify(grammar, null, 1) + "\n");
