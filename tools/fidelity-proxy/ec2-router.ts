// Which EC2 actions the proxy handles itself; everything else goes to moto unchanged.
import { copyImage } from './copy-image.js';
import { describeImages } from './describe-images.js';
import type { Ec2Handler } from './ec2-exchange.js';
import {
  createImage,
  deregisterImage,
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
  CreateImage: createImage,
  CopyImage: copyImage,
  RegisterImage: createImage,
  RunInstances: runInstances,
  DescribeImages: describeImages,
  DeregisterImage: deregisterImage,
  ModifyImageAttribute: modifyImageAttribute,
  EnableImageDeprecation: enableImageDeprecation,
  DisableImageDeprecation: disableImageDeprecation,
  EnableImageDeregistrationProtection: enableImageDeregistrationProtection,
  DisableImageDeregistrationProtection: disableImageDeregistrationProtection,
  DisableImage: disableImage,
  EnableImage: enableImage,
  EnableImageBlockPublicAccess: enableImageBlockPublicAccess,
  DisableImageBlockPublicAccess: disableImageBlockPublicAccess,
  GetImageBlockPublicAccessState: getImageBlockPublicAccessState,
};

export function handlerFor(action: string): Ec2Handler {
  return HANDLERS[action] ?? passThrough;
}
