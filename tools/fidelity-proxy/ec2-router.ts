// Which EC2 actions the proxy handles itself; everything else goes to moto unchanged.
import { copyImage } from './copy-image.js';
import { describeImages } from './describe-images.js';
import type { Ec2Handler } from './ec2-exchange.js';
import { describeImageReferences } from './image-references.js';
import {
  answeringImdsAttribute,
  keepingImdsOnModify,
  keepingImdsOnRegister,
  showingImds,
} from './imds-support.js';
import {
  describeInstanceStatus,
  describeInstances,
  hidingNewImages,
  recordingImage,
  recordingInstances,
} from './visibility.js';
import {
  createImage,
  deregisterImage,
  idempotentByToken,
  modifyImageAttribute,
  runInstances,
} from './image-actions.js';
import {
  disableImage,
  disableImageBlockPublicAccess,
  disableImageDeprecation,
  disableImageDeregistrationProtection,
  enableImage,
  enableImageBlockPublicAccess,
  enableImageDeprecation,
  enableImageDeregistrationProtection,
  getImageBlockPublicAccessState,
} from './overlay-actions.js';

const passThrough: Ec2Handler = ({ forward }) => forward();

const HANDLERS: Record<string, Ec2Handler> = {
  CreateImage: recordingImage(createImage),
  CopyImage: recordingImage(copyImage),
  RegisterImage: recordingImage(keepingImdsOnRegister(createImage)),
  RunInstances: recordingInstances(runInstances),
  CreateLaunchTemplateVersion: idempotentByToken,
  ModifyLaunchTemplate: idempotentByToken,
  DescribeImages: hidingNewImages(showingImds(describeImages)),
  DescribeInstances: describeInstances,
  DescribeInstanceStatus: describeInstanceStatus,
  DescribeImageAttribute: answeringImdsAttribute(passThrough),
  DeregisterImage: deregisterImage,
  ModifyImageAttribute: keepingImdsOnModify(modifyImageAttribute),
  EnableImageDeprecation: enableImageDeprecation,
  DisableImageDeprecation: disableImageDeprecation,
  EnableImageDeregistrationProtection: enableImageDeregistrationProtection,
  DisableImageDeregistrationProtection: disableImageDeregistrationProtection,
  DisableImage: disableImage,
  EnableImage: enableImage,
  EnableImageBlockPublicAccess: enableImageBlockPublicAccess,
  DisableImageBlockPublicAccess: disableImageBlockPublicAccess,
  GetImageBlockPublicAccessState: getImageBlockPublicAccessState,
  DescribeImageReferences: describeImageReferences,
};

export function handlerFor(action: string): Ec2Handler {
  return HANDLERS[action] ?? passThrough;
}
