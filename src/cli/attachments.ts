/**
 * `vigil attachments list <event_id>` and `vigil attachments download <event_id> <attachment_id>
 * [-o file]`: event attachments through the running server's web API
 * (`GET /api/0/projects/{org}/{project}/events/{event_id}/attachments/[{id}/?download=1]`,
 * src/server/api/attachments.ts).
 */
import { writeFileSync } from 'node:fs';
import type { Command } from 'commander';
import { loadConfig } from '../server/config.js';
import { DEFAULT_ORGANIZATION_SLUG, DEFAULT_PROJECT_SLUG } from '../storage/metadata/index.js';
import { apiGet, apiGetBytes } from './api-client.js';
import { apiOptions, overrides } from './options.js';

/** The attachment-API path of an event (`attachmentId` given: that attachment's download). */
export function attachmentsApiPath(
  opts: Record<string, unknown>,
  eventId: string,
  attachmentId?: string,
): string {
  const org = encodeURIComponent(String(opts.org ?? DEFAULT_ORGANIZATION_SLUG));
  const project = encodeURIComponent(String(opts.project ?? DEFAULT_PROJECT_SLUG));
  const base = `/api/0/projects/${org}/${project}/events/${encodeURIComponent(eventId)}/attachments/`;
  return attachmentId === undefined ? base : `${base}${encodeURIComponent(attachmentId)}/?download=1`;
}

/** The lines `vigil attachments list` prints: a header, then id, type, size, content type and name. */
export function formatAttachmentLines(body: unknown): string[] {
  const lines = ['id\ttype\tsize\tmimetype\tname'];
  for (const entry of Array.isArray(body) ? body : []) {
    const a = entry as Record<string, unknown>;
    lines.push([a.id, a.type, a.size, a.mimetype, a.name].map(String).join('\t'));
  }
  return lines;
}

/**
 * Registers `vigil attachments list <event_id>` and `vigil attachments download <event_id>
 * <attachment_id> [-o <file>]` (without `-o` the bytes go to standard output), each with
 * `--project <slug>` and `--org <slug>` (default the bootstrap ones) and the API options; exits
 * non-zero with the API's `detail` on errors.
 */
export function registerAttachmentCommands(program: Command): void {
  const attachments = program
    .command('attachments')
    .description('read event attachments through the web API');
  const scoped = (cmd: Command): Command =>
    apiOptions(cmd)
      .option('--project <slug>', 'project', DEFAULT_PROJECT_SLUG)
      .option('--org <slug>', 'organization', DEFAULT_ORGANIZATION_SLUG);
  scoped(attachments.command('list <event_id>').description("list an event's attachments")).action(
    async (eventId: string, opts: Record<string, unknown>) => {
      const config = loadConfig(overrides(opts));
      const body = await apiGet(config, opts, attachmentsApiPath(opts, eventId));
      for (const line of formatAttachmentLines(body)) console.log(line);
    },
  );
  scoped(
    attachments.command('download <event_id> <attachment_id>').description("download an attachment's bytes"),
  )
    .option('-o, --output <file>', 'write to this file instead of standard output')
    .action(async (eventId: string, attachmentId: string, opts: Record<string, unknown>) => {
      const config = loadConfig(overrides(opts));
      const { bytes } = await apiGetBytes(config, opts, attachmentsApiPath(opts, eventId, attachmentId));
      if (typeof opts.output === 'string') writeFileSync(opts.output, bytes);
      else process.stdout.write(bytes);
    });
}
