"""What circulars add to the apps they stand on (imported once, by CircularsConfig.ready): the
ledger's 问题来源 names the published circulars of each finding."""

from circulars.exports import published_numbers
from rectification.exports import CIRCULAR_NUMBERS

CIRCULAR_NUMBERS.append(published_numbers)
