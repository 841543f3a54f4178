import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './compiled-gateway';

/* eslint-disable @typescript-eslint/no-require-imports */
const S3rver = require('s3rver');
const FilesystemStore: new (directory: string) => { listObjects(bucket: string, options: object): Promise<Listing> } = require('s3rver/lib/stores/filesystem');

interface Listing {
  objects: { key: string }[];
  commonPrefixes: string[];
  isTruncated: boolean;
}

/**
 * s3rver 3.7.1's store with its delimiter listing fixed: it skips the directories beneath a common
 * prefix, so a listing of `<prefix>/generations/` with the delimiter `/` returns neither keys nor
 * prefixes, and Litestream finds no generation. This lists every key under the prefix and groups them.
 */
class DelimiterFixedStore extends FilesystemStore {
  override async listObjects(bucket: string, options: { delimiter?: string; prefix?: string; maxKeys?: number }): Promise<Listing> {
    if (!options.delimiter) return super.listObjects(bucket, options);
    const { delimiter, prefix = '', maxKeys = Infinity } = options;
    const all: Listing = await super.listObjects(bucket, { ...options, delimiter: '', maxKeys: Infinity });
    const common = new Set<string>();
    const objects: { key: string }[] = [];
    for (const object of all.objects) {
      const at = object.key.slice(prefix.length).indexOf(delimiter);
      if (at === -1) objects.push(object);
      else common.add(object.key.slice(0, prefix.length + at + 1));
    }
    return { objects: objects.slice(0, maxKeys), commonPrefixes: [...common].sort(), isTruncated: objects.length > maxKeys };
  }
}

/** A local S3-compatible server (s3rver, on loopback) with one bucket; the credentials it accepts are S3RVER/S3RVER. */
export interface S3Server {
  endpoint: string;
  bucket: string;
  credentials: { AWS_ACCESS_KEY_ID: string; AWS_SECRET_ACCESS_KEY: string };
  close(): Promise<void>;
}

export async function startS3Server(bucket = 'replicas'): Promise<S3Server> {
  const directory = await mkdtemp(join(tmpdir(), 'dbforge-s3-'));
  const port = await freePort();
  const server = new S3rver({ port, address: '127.0.0.1', silent: true, directory, configureBuckets: [{ name: bucket }] });
  server.store = server.context.store = new DelimiterFixedStore(directory);
  await server.run();
  return {
    endpoint: `http://127.0.0.1:${port}`,
    bucket,
    credentials: { AWS_ACCESS_KEY_ID: 'S3RVER', AWS_SECRET_ACCESS_KEY: 'S3RVER' },
    async close() {
      await server.close();
      await rm(directory, { recursive: true, force: true });
    },
  };
}
