/**
 * The floor under intake's figures: a server that takes the same signed posts and does the least a new
 * inquiry must cost, one autocommitted INSERT of the message (deduplicated on its external id) and a
 * 202, without signature, validation, rate limit, outbox, token or logs. `bench:intake -- --floor`
 * starts it twice, on `node:http` alone and as a bare NestJS app on Express (the platform the services
 * use), and drives it exactly like intake.
 *
 *   node -r @swc-node/register apps/intake/bench/floor.server.ts raw|nest   (env PORT, DB_SCHEMA)
 */
import 'reflect-metadata';
import { Body, Controller, HttpCode, Module, Post } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import http from 'node:http';
import { Pool } from 'pg';
import { TEST_DATABASE_URL } from '@relaydesk/testing';

interface Posted {
  externalId: string;
  body: string;
}

const schema = process.env['DB_SCHEMA'] ?? 'floor';
const port = Number(process.env['PORT'] ?? 3999);
const pool = new Pool({ connectionString: TEST_DATABASE_URL, max: 10 });

async function insert(posted: Posted): Promise<{ messageId?: string }> {
  const { rows } = await pool.query<{ id: string }>({
    name: 'floor-insert',
    text: `INSERT INTO "${schema}".messages (id, external_id, body) VALUES (gen_random_uuid(), $1, $2)
           ON CONFLICT (external_id) DO NOTHING RETURNING id`,
    values: [posted.externalId, posted.body],
  });
  return { messageId: rows[0]?.id };
}

function rawServer(): Promise<void> {
  const server = http.createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      insert(JSON.parse(Buffer.concat(chunks).toString('utf8')) as Posted).then(
        (answer) => {
          const json = JSON.stringify(answer);
          response.writeHead(202, {
            'content-type': 'application/json',
            'content-length': Buffer.byteLength(json),
          });
          response.end(json);
        },
        () => response.writeHead(500).end(),
      );
    });
  });
  return new Promise((resolve) => server.listen(port, '127.0.0.1', resolve));
}

@Controller()
class FloorController {
  @Post('v1/inquiries')
  @HttpCode(202)
  post(@Body() posted: Posted): Promise<{ messageId?: string }> {
    return insert(posted);
  }
}

@Module({ controllers: [FloorController] })
class FloorModule {}

async function nestServer(): Promise<void> {
  const app = await NestFactory.create(FloorModule, { logger: false });
  await app.listen(port, '127.0.0.1');
}

async function main(): Promise<void> {
  const mode = process.argv[2];
  await pool.query(
    `CREATE SCHEMA IF NOT EXISTS "${schema}";
     CREATE TABLE IF NOT EXISTS "${schema}".messages (id uuid PRIMARY KEY, external_id text UNIQUE NOT NULL, body text NOT NULL)`,
  );
  if (mode === 'raw') await rawServer();
  else if (mode === 'nest') await nestServer();
  else throw new Error('usage: floor.server.ts raw|nest');
  console.log(`floor ${mode} ready on ${port}`);
}

main().catch((error: unknown) => {
  process.stderr.write(`floor server failed: ${String((error as Error)?.stack ?? error)}\n`);
  process.exit(1);
});
