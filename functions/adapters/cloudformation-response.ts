/**
 * The answer of a Lambda-backed custom resource: CloudFormation waits for a PUT of a JSON document
 * to the pre-signed S3 URL of its request (`ResponseURL`). Written here rather than through the
 * CDK's provider framework, which would add a second function (and its role and log group) per
 * stack for what is one HTTPS request.
 */
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';

/** The fields of a custom resource request the reconciler reads. */
export interface CustomResourceRequest {
  readonly RequestType: 'Create' | 'Update' | 'Delete';
  readonly ResponseURL: string;
  readonly StackId: string;
  readonly RequestId: string;
  readonly LogicalResourceId: string;
  readonly PhysicalResourceId?: string;
  readonly ResourceProperties: Readonly<Record<string, unknown>>;
}

export interface CustomResourceResponse {
  readonly Status: 'SUCCESS' | 'FAILED';
  /** Shown in the stack's events: ids and counts only. */
  readonly Reason?: string;
  readonly PhysicalResourceId: string;
  readonly StackId: string;
  readonly RequestId: string;
  readonly LogicalResourceId: string;
  readonly Data?: Readonly<Record<string, string>>;
}

export type ResponseSender = (url: string, response: CustomResourceResponse) => Promise<void>;

/** PUTs the response; CloudFormation wants no content type (the URL's signature covers none). */
export const sendResponse: ResponseSender = (url, response) =>
  new Promise((resolve, reject) => {
    const body = JSON.stringify(response);
    // CloudFormation's URLs are https; plain http serves the tests' loopback server.
    const request = url.startsWith('http://') ? httpRequest : httpsRequest;
    const put = request(url, { method: 'PUT', headers: { 'content-type': '', 'content-length': Buffer.byteLength(body) } }, (answer) => {
      answer.resume();
      answer.on('end', () =>
        (answer.statusCode ?? 0) < 300 ? resolve() : reject(new Error(`CloudFormation response refused with status ${answer.statusCode}`)),
      );
    });
    put.on('error', reject);
    put.end(body);
  });
