import 'reflect-metadata';
import { runService } from '@shop/runtime';
import { service } from './service';

void runService(service);
