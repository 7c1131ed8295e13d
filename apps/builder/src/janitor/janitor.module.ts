import { Module } from '@nestjs/common';
import { JanitorSchedule } from './janitor-schedule.service.js';
import { JanitorHttpController } from './janitor.http-controller.js';
import { Janitor } from './janitor.service.js';

@Module({
  controllers: [JanitorHttpController],
  providers: [Janitor, JanitorSchedule],
})
export class JanitorModule {}
