/**
 * What a frontend does with the generated types: list the programs, read an article, send a contact request.
 *
 * `generated/schema.d.ts` comes from `npm run generate` (openapi-typescript against /api/schema/); openapi-fetch
 * turns its `paths` into a typed fetch client, so a misspelt field, a wrong enum value or a property the API
 * does not return is a compile error (`npm run check`). tests/clients type-checks this file and runs it against
 * a live server: `node build/example.js <base URL> <article slug>` prints what it read as one JSON line.
 */
import createClient from "openapi-fetch";

import type { components, paths } from "./generated/schema.js";

type LeadRequest = components["schemas"]["LeadRequest"];
type LeadReceipt = components["schemas"]["LeadReceipt"];
type Program = components["schemas"]["Program"];

export function apiClient(baseUrl: string) {
  return createClient<paths>({ baseUrl });
}

type Client = ReturnType<typeof apiClient>;

export async function listPrograms(client: Client): Promise<Program[]> {
  const { data, error } = await client.GET("/api/v1/programs/", {
    params: { query: { page_size: 20, fields: "slug,name,level_of_care,summary" } },
  });
  if (error) throw new Error(`programs: ${error.status} ${error.detail}`);
  return data.results;
}

export async function readArticle(client: Client, slug: string): Promise<{ slug: string; title: string }> {
  const { data, error } = await client.GET("/api/v1/articles/{slug}/", { params: { path: { slug } } });
  if (error) throw new Error(`article ${slug}: ${error.status} ${error.detail}`);
  // Sparse fieldsets make every property optional: say what a missing one means.
  return { slug: data.slug ?? slug, title: data.title ?? "" };
}

export async function sendContactRequest(
  client: Client,
  lead: LeadRequest,
  idempotencyKey: string,
): Promise<LeadReceipt> {
  const { data, error, response } = await client.POST("/api/v1/leads/", {
    params: { header: { "Idempotency-Key": idempotencyKey } },
    body: lead,
  });
  if (error) throw new Error(`lead: ${response.status} ${error.detail} ${JSON.stringify(error.errors ?? {})}`);
  return data;
}

async function main(baseUrl: string, articleSlug: string): Promise<void> {
  const client = apiClient(baseUrl);
  const programs = await listPrograms(client);
  const article = await readArticle(client, articleSlug);
  // Synthetic details: 555-01xx numbers and example.org are reserved for fiction.
  const lead: LeadRequest = {
    first_name: "Alex",
    last_name: "Example",
    phone: "602-555-0123",
    email: "alex@example.org",
    preferred_contact: "phone",
    relationship: "family_or_friend",
    program_interest: programs[0]?.slug ?? "unsure",
    age_range: "26_35",
    state: "AZ",
    consent: { contact: true, sms: false },
  };
  const receipt = await sendContactRequest(client, lead, crypto.randomUUID());
  // Only what the API gave back, and no personal data: the reference is opaque.
  const programsRead = programs.map((program) => ({ slug: program.slug, level_of_care: program.level_of_care }));
  const summary = {
    programs: programsRead,
    article,
    lead: { reference: receipt.reference, status: receipt.status, crisis_lines: receipt.crisis_resources.length },
  };
  console.log(JSON.stringify(summary));
}

const [baseUrl, articleSlug] = process.argv.slice(2);
if (baseUrl && articleSlug) {
  await main(baseUrl, articleSlug);
}
