import { App } from 'aws-cdk-lib';
import { buildApp } from '../lib/app.ts';

buildApp(new App());
