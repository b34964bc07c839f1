// A GET on a collection, as SOL013 defines it for every list this API serves: the attribute
// filter (§5.2) over any attribute of the returned objects, attribute selectors (§5.3) with the
// resource's default exclusions, and paging (§5.4): at most a page of objects per answer, the
// rest behind `Link: <…?nextpage_opaque_marker=…>; rel="next"` (the filter and selectors kept).
import type { FastifyReply } from 'fastify';
import { z } from 'zod';
import { matchesFilter, parseFilter, type FilterTerm } from '../http/sol013-filter.ts';
import { AttributeSelector, SelectorQuery, type ResourceModel } from '../http/sol013-selectors.ts';
import type { PageMarkers } from './page-markers.ts';

export const NEXTPAGE_MARKER = 'nextpage_opaque_marker';
/** Objects per page when the gateway is not told otherwise. */
export const DEFAULT_PAGE_SIZE = 100;

/** How the gateway's lists are paged: its marker key, and the page size. */
export interface ListPaging {
  markers: PageMarkers;
  pageSize: number;
}

/** The query of a list: filter, selectors and the page marker, each described for the document. */
export const ListQuery = z.object({
  filter: z.string().describe("SOL013 §5.2 attribute filter, e.g. (eq,operationState,COMPLETED);(cont,vnfInstanceName,'web, eu')").optional(),
  ...SelectorQuery.shape,
  [NEXTPAGE_MARKER]: z.string().describe('the marker of the next page, from the Link header of the previous one').optional(),
});
export type ListQuery = z.infer<typeof ListQuery>;

export interface ListRequest {
  terms: FilterTerm[];
  selector: AttributeSelector;
  /** The marker of the page asked for, opened (undefined: the first page). */
  after?: Uint8Array;
}

/** The filter, selectors and marker of a list query, each checked (400 naming what is wrong). */
export function listRequest(query: ListQuery, model: ResourceModel, markers: PageMarkers): ListRequest {
  return {
    terms: parseFilter(query.filter, model.schema, model.name),
    selector: AttributeSelector.parse(query, model),
    after: markers.open(query[NEXTPAGE_MARKER]),
  };
}

/**
 * One page of a collection held in memory: the objects that pass the filter, in `key` order,
 * after the marker's key; the selection applied; Link set when more follow.
 */
export function pageOf<T>(
  all: readonly T[], key: (item: T) => string, list: ListRequest,
  next: { reply: FastifyReply; url: string; query: ListQuery; paging: ListPaging },
): T[] {
  const after = list.after && Buffer.from(list.after).toString('utf8');
  const matching = all.filter((item) => (after === undefined || key(item) > after) && matchesFilter(item, list.terms));
  const page = matching.slice(0, next.paging.pageSize);
  const last = page.at(-1);
  if (matching.length > page.length && last !== undefined) {
    setNextLink(next.reply, next.url, next.query, next.paging.markers.seal(Buffer.from(key(last), 'utf8')));
  }
  return page.map((item) => list.selector.apply(item));
}

/** The selectors that are flags: present or not, whatever their value. */
const FLAGS: ReadonlySet<string> = new Set(['all_fields', 'exclude_default']);

/**
 * `Link: <url?…the same query…&nextpage_opaque_marker=…>; rel="next"`. A flag given without a
 * value is written `=true` here: clients that read the link's query into a map (Python's
 * parse_qs, as python-tackerclient does) drop empty values, and the next page would lose it.
 */
export function setNextLink(reply: FastifyReply, url: string, query: ListQuery, marker: string): void {
  const params = new URLSearchParams();
  for (const [name, value] of Object.entries(query)) {
    if (name !== NEXTPAGE_MARKER && typeof value === 'string') params.set(name, value === '' && FLAGS.has(name) ? 'true' : value);
  }
  params.set(NEXTPAGE_MARKER, marker);
  reply.header('Link', `<${url}?${params.toString()}>; rel="next"`);
}

/** The Link header a paged list may carry. */
export const NEXT_PAGE_LINK = { Link: z.string().describe('rel="next": the next page').optional() };
