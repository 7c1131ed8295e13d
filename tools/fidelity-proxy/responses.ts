// The answer to one EC2 call, whether it came from moto or from the proxy itself.
import { randomUUID } from 'node:crypto';
import type { OutgoingHttpHeaders } from 'node:http';
import { ec2ErrorXml, ec2ResultXml } from './xml.js';

export interface Ec2Response {
  status: number;
  headers: OutgoingHttpHeaders;
  body: string;
}

export function newRequestId(): string {
  return randomUUID();
}

function xmlHeaders(): OutgoingHttpHeaders {
  return { 'content-type': 'text/xml;charset=UTF-8', server: 'AmazonEC2' };
}

export function ec2Error(status: number, code: string, message: string): Ec2Response {
  return { status, headers: xmlHeaders(), body: ec2ErrorXml(code, message, newRequestId()) };
}

export function ec2Result(action: string, inner: string): Ec2Response {
  return { status: 200, headers: xmlHeaders(), body: ec2ResultXml(action, newRequestId(), inner) };
}

export function isSuccess(response: Pick<Ec2Response, 'status'>): boolean {
  return response.status >= 200 && response.status < 300;
}

export function withBody(response: Ec2Response, body: string): Ec2Response {
  return { ...response, body };
}

export const missingParameter = (name: string): Ec2Response =>
  ec2Error(400, 'MissingParameter', `The request must contain the parameter ${name}`);

export const invalidParameterValue = (message: string): Ec2Response =>
  ec2Error(400, 'InvalidParameterValue', message);
