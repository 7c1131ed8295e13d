// EC2 query-API XML helpers. Responses from moto are edited as text, element by element,
// so that everything the proxy does not touch reaches the SDK byte for byte.
import { XMLParser } from 'fast-xml-parser';

export const EC2_XMLNS = 'http://ec2.amazonaws.com/doc/2016-11-15/';

const ESCAPES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&apos;',
};

export function escapeXml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ESCAPES[c] ?? c);
}

export function unescapeXml(text: string): string {
  return text.replace(
    /&(#x[0-9a-fA-F]+|#[0-9]+|amp|lt|gt|quot|apos);/g,
    (whole, entity: string) => {
      switch (entity) {
        case 'amp':
          return '&';
        case 'lt':
          return '<';
        case 'gt':
          return '>';
        case 'quot':
          return '"';
        case 'apos':
          return "'";
        default:
          return entity.startsWith('#x')
            ? String.fromCodePoint(parseInt(entity.slice(2), 16))
            : entity.startsWith('#')
              ? String.fromCodePoint(parseInt(entity.slice(1), 10))
              : whole;
      }
    },
  );
}

/** The body EC2 sends with every 4xx/5xx answer. */
export function ec2ErrorXml(code: string, message: string, requestId: string): string {
  return (
    '<?xml version="1.0" encoding="UTF-8"?>\n' +
    `<Response><Errors><Error><Code>${escapeXml(code)}</Code><Message>${escapeXml(message)}</Message></Error></Errors>` +
    `<RequestID>${escapeXml(requestId)}</RequestID></Response>`
  );
}

/** A successful `<{Action}Response>` body; `inner` is already-escaped XML. */
export function ec2ResultXml(action: string, requestId: string, inner: string): string {
  return (
    '<?xml version="1.0" encoding="UTF-8"?>\n' +
    `<${action}Response xmlns="${EC2_XMLNS}"><requestId>${escapeXml(requestId)}</requestId>${inner}</${action}Response>`
  );
}

/** `<name>text</name>` with the text escaped. */
export function el(name: string, text: string | number | boolean): string {
  return `<${name}>${escapeXml(String(text))}</${name}>`;
}

/** Where one element sits in a string: [start, end) covers the whole element. */
export interface ElementSpan {
  name: string;
  start: number;
  end: number;
  /** Content between the tags; equal to each other for `<x/>`. */
  innerStart: number;
  innerEnd: number;
}

interface Tag {
  kind: 'open' | 'close' | 'empty' | 'other';
  name: string;
  start: number;
  end: number;
}

function nextTag(xml: string, from: number): Tag | undefined {
  const start = xml.indexOf('<', from);
  if (start < 0) return undefined;
  if (xml.startsWith('<!--', start)) {
    const close = xml.indexOf('-->', start + 4);
    return { kind: 'other', name: '', start, end: close < 0 ? xml.length : close + 3 };
  }
  if (xml.startsWith('<![CDATA[', start)) {
    const close = xml.indexOf(']]>', start + 9);
    return { kind: 'other', name: '', start, end: close < 0 ? xml.length : close + 3 };
  }
  const close = xml.indexOf('>', start + 1);
  const end = close < 0 ? xml.length : close + 1;
  const body = xml.slice(start + 1, end - 1);
  if (body.startsWith('?') || body.startsWith('!')) return { kind: 'other', name: '', start, end };
  if (body.startsWith('/')) return { kind: 'close', name: body.slice(1).trim(), start, end };
  const selfClosing = body.endsWith('/');
  const name = (selfClosing ? body.slice(0, -1) : body).trim().split(/\s/)[0] ?? '';
  return { kind: selfClosing ? 'empty' : 'open', name, start, end };
}

/** The direct child elements found between `from` and `to` (defaults: the whole string). */
export function childElements(xml: string, from = 0, to = xml.length): ElementSpan[] {
  const children: ElementSpan[] = [];
  let depth = 0;
  let current: { name: string; start: number; innerStart: number } | undefined;
  let pos = from;
  for (;;) {
    const tag = nextTag(xml, pos);
    if (!tag || tag.start >= to) break;
    pos = tag.end;
    if (tag.kind === 'other') continue;
    if (tag.kind === 'empty') {
      if (depth === 0)
        children.push({
          name: tag.name,
          start: tag.start,
          end: tag.end,
          innerStart: tag.end,
          innerEnd: tag.end,
        });
      continue;
    }
    if (tag.kind === 'open') {
      if (depth === 0) current = { name: tag.name, start: tag.start, innerStart: tag.end };
      depth++;
      continue;
    }
    depth--;
    if (depth === 0 && current) {
      children.push({
        name: current.name,
        start: current.start,
        end: tag.end,
        innerStart: current.innerStart,
        innerEnd: tag.start,
      });
      current = undefined;
    }
    if (depth < 0) break;
  }
  return children;
}

/** The first direct child called `name` inside [from, to). */
export function findChild(
  xml: string,
  name: string,
  from = 0,
  to = xml.length,
): ElementSpan | undefined {
  return childElements(xml, from, to).find((child) => child.name === name);
}

/** The root element of a document (skipping the declaration). */
export function rootElement(xml: string): ElementSpan | undefined {
  return childElements(xml)[0];
}

/** Unescaped text of the direct child `name` of an element given as a string, if present. */
export function childText(elementXml: string, name: string): string | undefined {
  const root = rootElement(elementXml);
  if (!root) return undefined;
  const child = findChild(elementXml, name, root.innerStart, root.innerEnd);
  return child ? unescapeXml(elementXml.slice(child.innerStart, child.innerEnd)) : undefined;
}

/** Text of a direct child of the document's root element (e.g. `imageId` in CreateImageResponse). */
export function resultText(documentXml: string, name: string): string | undefined {
  const root = rootElement(documentXml);
  if (!root) return undefined;
  const child = findChild(documentXml, name, root.innerStart, root.innerEnd);
  return child ? unescapeXml(documentXml.slice(child.innerStart, child.innerEnd)) : undefined;
}

/**
 * Sets the direct child `name` of the element given as a string to `text`, replacing the
 * existing child or appending one before the closing tag.
 */
export function setChildText(elementXml: string, name: string, text: string): string {
  const root = rootElement(elementXml);
  if (!root) return elementXml;
  const replacement = el(name, text);
  const child = findChild(elementXml, name, root.innerStart, root.innerEnd);
  if (child) return elementXml.slice(0, child.start) + replacement + elementXml.slice(child.end);
  if (root.innerStart === root.end) {
    // `<item/>`: open it up
    const open = elementXml.slice(root.start, root.end - 2).trimEnd() + '>';
    return (
      elementXml.slice(0, root.start) +
      open +
      replacement +
      `</${root.name}>` +
      elementXml.slice(root.end)
    );
  }
  return elementXml.slice(0, root.innerEnd) + replacement + elementXml.slice(root.innerEnd);
}

/** A list element (`imagesSet`, `instancesSet`) cut into the text around it and its items. */
export interface SplitList {
  head: string;
  items: string[];
  tail: string;
}

/**
 * Splits the direct child `listName` of the root element into its `<item>` strings.
 * `head` ends with the list's opening tag and `tail` starts with its closing tag, so
 * `head + items.join('') + tail` rebuilds the document.
 */
export function splitList(documentXml: string, listName: string): SplitList | undefined {
  const root = rootElement(documentXml);
  if (!root) return undefined;
  const list = findChild(documentXml, listName, root.innerStart, root.innerEnd);
  if (!list) return undefined;
  if (list.innerStart === list.end) {
    return {
      head: documentXml.slice(0, list.start) + `<${listName}>`,
      items: [],
      tail: `</${listName}>` + documentXml.slice(list.end),
    };
  }
  const items = childElements(documentXml, list.innerStart, list.innerEnd)
    .filter((child) => child.name === 'item')
    .map((child) => documentXml.slice(child.start, child.end));
  return {
    head: documentXml.slice(0, list.innerStart),
    items,
    tail: documentXml.slice(list.innerEnd),
  };
}

/** Inserts `fragment` right after the list element's closing tag in a rebuilt `tail`. */
export function appendAfterList(tail: string, listName: string, fragment: string): string {
  const closing = `</${listName}>`;
  return tail.startsWith(closing)
    ? closing + fragment + tail.slice(closing.length)
    : fragment + tail;
}

const reader = new XMLParser({
  ignoreAttributes: true,
  parseTagValue: false,
  trimValues: false,
  isArray: (name) => name === 'item',
});

/** Parses XML into plain objects (every `item` is an array) for reading values. */
export function readXml(xml: string): Record<string, unknown> {
  return reader.parse(xml) as Record<string, unknown>;
}

/** The code and message of an EC2 error body, when the body is one. */
export function readEc2Error(xml: string): { code: string; message: string } | undefined {
  const code = /<Code>([^<]*)<\/Code>/.exec(xml)?.[1];
  if (code === undefined) return undefined;
  const message = /<Message>([^<]*)<\/Message>/.exec(xml)?.[1] ?? '';
  return { code: unescapeXml(code), message: unescapeXml(message) };
}
