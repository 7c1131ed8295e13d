#!/usr/bin/env node
import { runAmictl } from './program.js';

/** amictl: the operator CLI of the AMI factory (npm run amictl -- --help). */
process.exitCode = await runAmictl(process.argv.slice(2));
